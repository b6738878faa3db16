import type { BlobStore, Mailer } from '@lingjun/core';
import { type InboundMail, verdictPolicy } from '@lingjun/mail';
import type { Program } from '@lingjun/program';
import type { Bounces, CourseRegistry, Registry, SendEvidence, SendOnce } from '@lingjun/registry';

/**
 * Mail that another use case records and answers itself (the class organiser's sign-in sheets), offered
 * before the forms are read; the handler supplies the routes, so intake depends on none of them.
 */
export interface MailRoute {
  name: string;
  /** Undefined when the mail is not this route's; otherwise whether anything was recorded. */
  take(mail: InboundMail, now: Date): Promise<{ recorded: boolean } | undefined>;
}

/** What the intake use case needs from the outside; handlers and the CLI build it and pass it in. */
export interface IntakeDeps {
  program: Program;
  registry: Registry;
  /** Attendance and evaluation records, for mail from the class organiser; without it such mail is ordinary. */
  course?: CourseRegistry;
  /** Mail other use cases take (see MailRoute); mail no route takes is a submission. */
  routes?: readonly MailRoute[];
  store: BlobStore;
  mailer: Mailer;
  /** The send-once ledger every notice goes through, keyed by the message it is about. */
  sendOnce: SendOnce;
  /** Secret for the HMAC that turns ID numbers into item keys (never an ID in a key). */
  keySecret: string;
  /**
   * Where each reply is remembered by its SES id and Message-ID with its region, so a bounce of it (an SES
   * event or a DSN in the mailbox) is recorded against the region; without it (bare pipeline tests) neither is.
   */
  bounces?: Bounces;
  /**
   * The mail service's reports of mail that left (SES Send events), asked before a reply whose send was
   * taken but never noted is sent again; without it a run waits out the grace period and then sends.
   */
  sendEvidence?: Pick<SendEvidence, 'find'>;
  /**
   * Milliseconds the invocation has left (Lambda's `context.getRemainingTimeInMillis`); the claim lease is
   * this plus a margin. Without it (CLI, tests) a whole intake timeout is assumed.
   */
  remainingMs?: () => number;
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

/** Whether SES's verdicts put a message in quarantine (spam, virus, or failed authentication). */
export function quarantined(v: Verdicts): boolean {
  const policy = verdictPolicy({
    spamVerdict: v.spam,
    virusVerdict: v.virus,
    spfVerdict: v.spf,
    dkimVerdict: v.dkim,
    dmarcVerdict: v.dmarc,
  });
  return policy === 'quarantine';
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
