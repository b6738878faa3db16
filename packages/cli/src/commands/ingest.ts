import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { rawMailKey, s3BlobStore, s3Client } from '@lingjun/aws';
import { buildSesEvent, PASSING, sesMessageId } from '@lingjun/local';
import { ExitError, guarded, parseCommon } from '../common.ts';
import type { Command } from '../main.ts';
import { withSession } from '../session.ts';

const USAGE =
  'lingjun ingest [--program 文件] [--state 目录] [--received-at ISO8601] [--auth pass|fail] [--json] 邮件.eml ...';

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
      const receivedAt = values['received-at'] ? new Date(values['received-at']) : new Date();
      if (Number.isNaN(receivedAt.getTime()))
        throw new ExitError(`--received-at 不是有效时间：${values['received-at']}`);
      if (values.auth !== 'pass' && values.auth !== 'fail') throw new ExitError('--auth 只能是 pass 或 fail');
      const verdicts =
        values.auth === 'pass'
          ? PASSING
          : { ...PASSING, spf: 'FAIL' as const, dkim: 'FAIL' as const, dmarc: 'FAIL' as const };
      const { handleInbound } = await import('@lingjun/fn-intake');
      let failed = 0;
      await withSession(values, async ({ config, program }) => {
        const store = s3BlobStore(s3Client(config), config.bucketName);
        for (const file of positionals) {
          const raw = await readFile(file);
          const messageId = sesMessageId();
          // As the receipt rule does: the raw message is stored first, then the function is invoked.
          await store.put(rawMailKey(messageId), raw, 'message/rfc822');
          const event = await buildSesEvent({
            messageId,
            raw,
            mailFrom: 'ingest@localhost',
            recipients: [program.mailbox],
            receivedAt,
            verdicts,
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
