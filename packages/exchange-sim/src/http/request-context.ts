/** What the shared hooks attach to each request, for the faces to read. */
import type { FaultAction, FaultRule } from '../control/faults';
import type { RequestLogEntry } from '../control/request-log';

declare module 'fastify' {
  interface FastifyRequest {
    /** This request's request-log entry; faces may set `operation`, `mailbox`, `notes`. */
    simEntry?: RequestLogEntry;
    /** A fault the face must render itself (EWS in-band ErrorServerBusy). */
    simFault?: FaultRule;
    /** Throttling identity: `${face}|${client}|${mailbox}`. */
    simClientKey?: string;
    simRelease?: () => void;
    /** Applied, reply lost: the handler runs, then the answer is dropped. */
    simReplyLost?: Extract<FaultAction, { kind: 'replyLost' }>;
  }
}
