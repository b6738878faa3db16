/**
 * The intake function's timeout, in seconds. Infra configures the function with it and intake derives its
 * claim lease from it, so the two cannot drift apart (a lease shorter than a live run lets a redelivery take
 * the email over and answer it twice).
 */
export const INTAKE_TIMEOUT_SECONDS = 180;

/**
 * Added to the time an invocation has left when it claims a message: the lease then outlasts the invocation
 * even when the clocks of two hosts disagree a little.
 */
export const LEASE_MARGIN_MS = 60_000;

/** The longest lease an intake invocation takes: a whole timeout plus the margin. */
export const INTAKE_LEASE_MAX_MS = INTAKE_TIMEOUT_SECONDS * 1000 + LEASE_MARGIN_MS;

/** How often the inbound sweeper runs (the AWS schedule and the local stack): well inside the promised hour. */
export const SWEEP_EVERY_MINUTES = 15;
