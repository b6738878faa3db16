export * from './bureau/index.ts';
export * from './context.ts';
export { claimLeaseMs, messageKey } from './lifecycle.ts';
export * from './notices.ts';
export * from './outcome.ts';
export * from './pipeline.ts';
export * from './review.ts';
export { AwaitingSendEvidenceError, replyTag, SEND_EVIDENCE_GRACE_MS } from './sent-check.ts';
export * from './ses.ts';
