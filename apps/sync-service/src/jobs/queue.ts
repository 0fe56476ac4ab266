// The job queue's SQL lives in packages/db with every other query; the service's modules import it from here.
export { createJobQueue, type EnqueueInput, type JobQueue, type QueueLimits, type SyncJob } from '@exsync/db';
