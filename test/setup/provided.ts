/** Types of what the globalSetup provides to tests (vitest `inject`). */
import type { AwsConfig } from '@lingjun/aws';

/** Non-AWS facts about the shared stack that end-to-end tests need. */
export interface ProvidedLocalStack {
  smtpPort: number;
  outboxDir: string;
  sesViewerUrl: string;
  mailbox: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    aws: AwsConfig;
    localStack: ProvidedLocalStack;
  }
}
