/**
 * The built intake bundle (not the TypeScript sources) processes the sample emails on the local
 * stack. Tests run the sources; this catches what only bundling can break, e.g. a module that tree-shaking
 * (`"sideEffects": false`) or a lazy import left out of the bundle.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CreateTableCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { type AwsConfig, dynamoDbClient, s3BlobStore, s3Client } from '@lingjun/aws';
import { PASSING, receiveAsSes } from '@lingjun/local';
import { loadProgram } from '@lingjun/program';
import { createTableInput } from '@lingjun/registry';

/** Outcome status (and annotated attachments) per sample, or the error the bundle raised. */
export async function smokeBundle(
  bundle: string,
  samples: string[],
  config: AwsConfig,
): Promise<Record<string, string>> {
  if (samples.length === 0) return { skipped: 'no sample emails' };
  // The samples' senders are the contacts of the example program.
  const program = await loadProgram(
    fileURLToPath(new URL('../../examples/program-2025.json', import.meta.url)),
  );
  const mod = (await import(pathToFileURL(bundle).href)) as {
    handleInbound: (
      event: unknown,
      ctx: { config: AwsConfig; program: unknown },
    ) => Promise<{ status: string; reply: { attachments: string[] } | null }[]>;
  };
  const cfg = { ...config, tableName: `smoke-${randomUUID()}` };
  const admin = dynamoDbClient(cfg);
  await admin.send(new CreateTableCommand(createTableInput(cfg.tableName)));
  const store = s3BlobStore(s3Client(cfg), cfg.bucketName);
  const out: Record<string, string> = {};
  try {
    for (const file of samples) {
      // As SES does on receipt (and lingjun ingest locally): Authentication-Results before the raw is stored.
      const event = await receiveAsSes(store, await readFile(file), {
        mailFrom: 'bench@localhost',
        recipients: [program.mailbox],
        receivedAt: new Date('2025-06-05T02:00:00Z'),
        verdicts: PASSING,
      });
      try {
        const [o] = await mod.handleInbound(event, { config: cfg, program });
        const annotated = o?.reply?.attachments.length ?? 0;
        out[basename(file, '.eml')] =
          `${o?.status ?? 'no outcome'}${annotated ? ` +${annotated} annotated` : ''}`;
      } catch (err) {
        out[basename(file, '.eml')] = `error: ${(err as Error).message}`;
      }
    }
  } finally {
    await admin.send(new DeleteTableCommand({ TableName: cfg.tableName })).catch(() => undefined);
    admin.destroy();
  }
  return out;
}
