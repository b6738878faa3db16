import { services } from '@lingjun/aws';
import { revokeCertificate, revokeMessage } from '@lingjun/certificates';
import { log } from '@lingjun/core';
import { ExitError, guarded, parseCommon } from '../common.ts';
import type { Command } from '../main.ts';
import { withSession } from '../session.ts';

const USAGE = 'lingjun revoke 证书编号 --reason 原因 [--program 文件] [--state 目录] [--json]';

/** `lingjun revoke`: revokes a certificate and tells the region; verification then answers "revoked". */
export const command: Command = {
  summary: '撤销结业证书（通知该地区联系人；核验时显示为已撤销）',
  usage: USAGE,
  run: (args) =>
    guarded(async () => {
      const { values, positionals } = parseCommon(args, { reason: { type: 'string' } }, USAGE);
      const [number] = positionals;
      if (!number) throw new ExitError(`请给出证书编号（用法: ${USAGE}）`);
      if (!values.reason?.trim()) throw new ExitError(`请用 --reason 说明撤销原因（用法: ${USAGE}）`);
      const result = await withSession(values, ({ config, program, clock }) => {
        const { registry, course, mailer } = services(config, program.year);
        return revokeCertificate(
          { program, course, registry, mailer, now: clock.now() },
          number,
          values.reason!.trim(),
        );
      });
      if (result.state === 'not_found') throw new ExitError(revokeMessage(number, result), 1);
      log.info('certificate revoke', { number, state: result.state });
      process.stdout.write(
        values.json
          ? `${JSON.stringify({
              number,
              status: 'revoked',
              changed: result.state === 'revoked',
              revokedAt: result.certificate.revokedAt ?? null,
              notified: result.state === 'revoked' ? result.notified.length : 0,
            })}\n`
          : `${revokeMessage(number, result)}\n`,
      );
      return 0;
    }),
};
