import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { rawMailKey, s3BlobStore, s3Client } from '@lingjun/aws';
import {
  buildSesEvent,
  type LocalAuthentication,
  parseAuthOption,
  sesMessageId,
  withSesAuthenticationResults,
  withStack,
} from '@lingjun/local';
import { DEFAULT_STATE, ExitError, guarded, parseCommon, programFrom } from '../common.ts';
import type { Command } from '../main.ts';
import { withSession } from '../session.ts';

const USAGE =
  'lingjun ingest [--program 文件] [--state 目录] [--received-at ISO8601] [--auth pass|fail|dmarc=none,spf=pass@域名,dkim=fail] [--json] 邮件.eml ...';

/** `lingjun ingest`: processes .eml files exactly as the intake Lambda would process them arriving. */
export const command: Command = {
  summary: '按 Lambda 的处理方式导入 .eml 邮件并输出结果',
  run: (args) =>
    guarded(async () => {
      const { values, positionals } = parseCommon(
        args,
        { 'received-at': { type: 'string' }, auth: { type: 'string', default: 'pass' } },
        USAGE,
      );
      if (positionals.length === 0) throw new ExitError(`请指定至少一个 .eml 文件\n用法: ${USAGE}`);
      const given = values['received-at'] ? new Date(values['received-at']) : undefined;
      if (given && Number.isNaN(given.getTime()))
        throw new ExitError(`--received-at 不是有效时间：${values['received-at']}`);
      let auth: LocalAuthentication;
      try {
        auth = parseAuthOption(values.auth ?? 'pass');
      } catch (error) {
        throw new ExitError((error as Error).message);
      }
      const { handleInbound } = await import('@lingjun/fn-intake');
      let failed = 0;
      await withSession(values, async ({ config, program, clock }) => {
        // Without --received-at, mail arrives now on the stack's clock (a rehearsal one under start --clock).
        const receivedAt = given ?? clock.now();
        const store = s3BlobStore(s3Client(config), config.bucketName);
        for (const file of positionals) {
          // As SES does on receipt: its Authentication-Results header is added before the message is stored.
          const raw = withSesAuthenticationResults(await readFile(file), auth.verdicts, auth.domains);
          const messageId = sesMessageId();
          // As the receipt rule does: the raw message is stored first, then the function is invoked.
          await store.put(rawMailKey(messageId), raw, 'message/rfc822');
          const event = await buildSesEvent({
            messageId,
            raw,
            mailFrom: 'ingest@localhost',
            recipients: [program.mailbox],
            receivedAt,
            verdicts: auth.verdicts,
          });
          try {
            const [outcome] = await handleInbound(event, { config, program });
            if (values.json) process.stdout.write(`${JSON.stringify(outcome)}\n`);
            else
              process.stdout.write(`${basename(file)}: ${outcome?.status} ${outcome?.region?.name ?? ''}\n`);
          } catch (error) {
            failed++;
            process.stderr.write(`${basename(file)}: 处理失败：${(error as Error).message}\n`);
          }
        }
      });
      return failed > 0 ? 1 : 0;
    }),
};
