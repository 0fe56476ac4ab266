-- The hourly prune (EXSYNC_RUN_RETENTION_DAYS) deletes runs that finished before a cut: without an index on
-- finished_at each prune read the whole table (at 10,000 users and 30 days, tens of millions of rows) to find the few
-- hours' worth that had aged out since the last one.
CREATE INDEX "sync_runs_finished_at_idx" ON "sync_runs"("finished_at");
