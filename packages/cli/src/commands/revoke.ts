import { resolve } from 'node:path';
import { documentClient } from '@lingjun/aws';
import { log } from '@lingjun/core';
import { CourseRegistry } from '@lingjun/registry';
import { DEFAULT_STATE, ExitError, guarded, parseCommon, programFrom } from '../common.ts';
import type { Command } from '../main.ts';
import { withSession } from '../session.ts';

const USAGE = 'lingjun revoke 证书编号 --reason 原因 [--program 文件] [--state 目录] [--json]';

/** `lingjun revoke`: revokes a certificate; verification then answers "revoked". */
export const command: Command = {
  summary: '撤销结业证书（核验时显示为已撤销）',
  run: (args) =>
    guarded(async () => {
      const { values, positionals } = parseCommon(args, { reason: { type: 'string' } }, USAGE);
      const [number] = positionals;
      if (!number) throw new ExitError(`请给出证书编号\n用法: ${USAGE}`);
      if (!values.reason?.trim()) throw new ExitError(`请用 --reason 说明撤销原因\n用法: ${USAGE}`);
      const ok = await withSession(values, ({ config, program, clock }) =>
        new CourseRegistry(documentClient(config), config.tableName, program.year).revoke(
          number,
          values.reason!.trim(),
          clock.now(),
        ),
      );
      if (!ok) throw new ExitError(`没有编号为 ${number} 的证书`, 1);
      log.info('certificate revoked', { number });
      process.stdout.write(
        values.json ? `${JSON.stringify({ number, status: 'revoked' })}\n` : `已撤销 ${number}\n`,
      );
      return 0;
    }),
};
