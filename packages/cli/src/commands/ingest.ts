import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { s3BlobStore, s3Client } from '@lingjun/aws';
import { type LocalAuthentication, parseAuthOption, receiveAsSes } from '@lingjun/local';
import { ExitError, existingFiles, guarded, parseCommon } from '../common.ts';
import type { Command } from '../main.ts';
import { withSession } from '../session.ts';

const USAGE =
  'lingjun ingest [--program 文件] [--state 目录] [--received-at ISO8601] [--auth pass|fail|dmarc=none,spf=pass@域名,dkim=fail] [--json] 邮件.eml ...';

/** `lingjun ingest`: processes .eml files exactly as the intake Lambda would process them arriving. */
export const command: Command = {
  summary: '按 Lambda 的处理方式导入 .eml 邮件并输出结果',
  usage: USAGE,
  run: (args) =>
    guarded(async () => {
      const { values, positionals } = parseCommon(
        args,
        { 'received-at': { type: 'string' }, auth: { type: 'string', default: 'pass' } },
        USAGE,
      );
      await existingFiles(positionals, '至少一个 .eml 邮件文件', USAGE);
      for (const file of positionals) {
        const why = notAnEmail(await readFile(file));
        if (why) throw new ExitError(`${file} 不是邮件文件（.eml）：${why}`);
      }
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
          // As SES does on receipt: Authentication-Results added, the raw message stored, then intake invoked.
          const event = await receiveAsSes(store, await readFile(file), {
            mailFrom: 'ingest@localhost',
            recipients: [program.mailbox],
            receivedAt,
            verdicts: auth.verdicts,
            domains: auth.domains,
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

const KINDS: [RegExp, string][] = [
  [/^PK\x03\x04/, 'Excel/Word（.xlsx/.docx）或压缩包'],
  [/^\xD0\xCF\x11\xE0/, 'Excel/Word 97–2003 或 WPS 文件'],
  [/^%PDF/, 'PDF 文件'],
];

/**
 * Why a file is not a raw email, or undefined when it looks like one: an RFC 5322 message starts with header
 * lines (Name: value). A form or a PDF given by mistake is explained instead of rejected.
 */
export function notAnEmail(raw: Uint8Array): string | undefined {
  const head = Buffer.from(raw.subarray(0, 8192)).toString('latin1');
  const kind = KINDS.find(([re]) => re.test(head));
  const hint = '请在邮件客户端中把整封邮件“另存为 .eml”后再导入；报名表本身请作为附件发到报名邮箱。';
  if (kind) return `这是${kind[1]}。${hint}`;
  // The first line is a header (Name: value) or an mbox separator (From …); mail without a From header is
  // still mail, and intake gives it its outcome.
  const first = head.replace(/^(\r?\n)+/, '').split(/\r?\n/)[0] ?? '';
  if (!/^[!-9;-~]+:/.test(first) && !/^From /.test(first))
    return `文件开头没有邮件头（From:、Subject: 等）。${hint}`;
  return undefined;
}
