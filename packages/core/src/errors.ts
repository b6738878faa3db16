/**
 * The error tree. Every failure the pipeline raises on purpose is one of these, so handlers can map
 * them to an outcome (a finding for the sender, a retry, or a quarantine) without string matching.
 */
export class LingjunError extends Error {
  override readonly name: string = 'LingjunError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Configuration or program-file problem: an operator must fix it, retrying will not help. */
export class ConfigError extends LingjunError {
  override readonly name: string = 'ConfigError';
}

/** Input from a sender that cannot be used; carries a Chinese message fit to show that sender. */
export class InputError extends LingjunError {
  override readonly name: string = 'InputError';
}

/** A file that cannot be read as a form (corrupt, encrypted, macro-enabled, too large, unknown type). */
export class UnreadableFileError extends InputError {
  override readonly name: string = 'UnreadableFileError';
  constructor(
    /** Chinese reason, shown to the sender. */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(reason, options);
  }
}

/** A raw email that cannot be parsed at all (too large, empty, or broken beyond what the MIME parser tolerates). */
export class MailParseError extends InputError {
  override readonly name: string = 'MailParseError';
}

/** A dependency (DynamoDB, S3, SES) failed in a way that a retry may fix. */
export class TransientError extends LingjunError {
  override readonly name: string = 'TransientError';
}

/**
 * The mail service answered a send with an error: the mail certainly did not leave, so it may be sent again
 * at once. A send that fails without an answer (a lost connection, a timeout) is not this: it may have left.
 */
export class MailRefusedError extends TransientError {
  override readonly name: string = 'MailRefusedError';
}

/** A conditional write lost to a concurrent writer; callers retry or turn it into a finding. */
export class ConflictError extends LingjunError {
  override readonly name: string = 'ConflictError';
}

/** A required service is not available locally (Java missing, port taken). */
export class EnvironmentError extends LingjunError {
  override readonly name: string = 'EnvironmentError';
}
