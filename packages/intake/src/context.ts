import type { BlobStore, Mailer } from '@lingjun/core';
import type { Program } from '@lingjun/program';
import type { CourseRegistry, Registry } from '@lingjun/registry';

/** What the intake use case needs from the outside; handlers and the CLI build it and pass it in. */
export interface IntakeDeps {
  program: Program;
  registry: Registry;
  /** Attendance and evaluation records, for mail from the class organiser; without it such mail is ordinary. */
  course?: CourseRegistry;
  store: BlobStore;
  mailer: Mailer;
  /** Secret for the HMAC that turns ID numbers into item keys (never an ID in a key). */
  keySecret: string;
  /** Lease on a message while it is processed; longer than the function's timeout. */
  leaseMs?: number;
  now?: () => Date;
}

/** SES verdict statuses of a received message (PASS, FAIL, GRAY, PROCESSING_FAILED, DISABLED). */
export interface Verdicts {
  spam: string;
  virus: string;
  spf: string;
  dkim: string;
  dmarc: string;
}

/** One inbound message as the receipt rule hands it over. */
export interface InboundRef {
  /** SES message id: the raw message's S3 key suffix. */
  sesMessageId: string;
  rawKey: string;
  /** Receipt time: deadlines are judged by this, never by the Date header. */
  receivedAt: Date;
  verdicts: Verdicts;
  /** Set when the bureau approved a held message: the region it may submit for. */
  approvedRegion?: string;
  /**
   * authserv-id of the Authentication-Results header to trust (default SES's, amazonses.com): the mailbox
   * ingress names the organisation's server, or its own check's.
   */
  authservId?: string;
}
