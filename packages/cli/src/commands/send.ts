import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { readLiveStack } from '@lingjun/local';
import { parseInbound } from '@lingjun/mail';
import nodemailer from 'nodemailer';
import { DEFAULT_STATE, ExitError, guarded, parseCommon, programFrom } from '../common.ts';
import type { Command } from '../main.ts';

const USAGE = 'lingjun send [--state 目录] [--from 地址] [--json] 邮件.eml ...';

/**
 * `lingjun send`: delivers .eml files over SMTP to the running `lingjun start`, the way a province's mail
 * server would, so they take the receipt path (stored raw, then the intake function) at the stack's time.
 */
export const command: Command = {
  summary: '把 .eml 邮件通过 SMTP 发给正在运行的本地环境（lingjun start）',
  run: (args) =>
    guarded(async () => {
      const { values, positionals } = parseCommon(args, { from: { type: 'string' } }, USAGE);
      if (positionals.length === 0) throw new ExitError(`请指定至少一个 .eml 文件\n用法: ${USAGE}`);
      const stateDir = resolve(values.state ?? DEFAULT_STATE);
      const stack = await readLiveStack(stateDir);
      if (!stack) {
        throw new ExitError(
          `状态目录 ${stateDir} 没有正在运行的本地环境，请先在另一个终端运行 lingjun start。`,
          1,
        );
      }
      const mailbox = stack.mailbox ?? (await programFrom(values.program)).mailbox;
      const transport = nodemailer.createTransport({
        host: '127.0.0.1',
        port: stack.smtpPort,
        secure: false,
        ignoreTLS: true,
      });
      let failed = 0;
      try {
        for (const file of positionals) {
          const raw = await readFile(file);
          try {
            // The envelope sender is the From address, as the sender's own server would give it.
            const from = values.from ?? (await parseInbound(raw)).from?.address ?? '';
            const info = await transport.sendMail({ envelope: { from, to: [mailbox] }, raw });
            const result = { file: basename(file), from, to: mailbox, response: info.response };
            process.stdout.write(
              values.json
                ? `${JSON.stringify(result)}\n`
                : `${basename(file)}: 已发送到 127.0.0.1:${stack.smtpPort}（${info.response}）\n`,
            );
          } catch (error) {
            failed++;
            process.stderr.write(`${basename(file)}: 发送失败：${(error as Error).message}\n`);
          }
        }
      } finally {
        transport.close();
      }
      if (failed === 0 && !values.json) {
        process.stdout.write(`回复稍后出现在 ${stack.outboxDir} 和 ${stack.sesViewerUrl}\n`);
      }
      return failed > 0 ? 1 : 0;
    }),
};
