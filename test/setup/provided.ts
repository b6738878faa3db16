/** Types of what the globalSetup provides to tests (vitest `inject`). */
import type { AwsConfig } from '@lingjun/aws';

/** Non-AWS facts about the shared stack that end-to-end tests need. */
export interface ProvidedLocalStack {
  smtpPort: number;
  outboxDir: string;
  /** Where the local SES writes each send's Send event (pending/, as no handler takes them here). */
  sesEventsDir: string;
  sesViewerUrl: string;
  mailbox: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    aws: AwsConfig;
    localStack: ProvidedLocalStack;
  }
}
