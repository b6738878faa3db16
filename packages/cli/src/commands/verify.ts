import { verificationTable } from '@lingjun/aws';
import { verifyCertificate } from '@lingjun/certificates/verify';
import { ExitError, guarded, parseCommon } from '../common.ts';
import type { Command } from '../main.ts';
import { withSession } from '../session.ts';

const USAGE = 'lingjun verify 证书编号 验证码 [--program 文件] [--state 目录] [--json]';

/** `lingjun verify`: checks a certificate number and code as the public page does; exit 0 only when genuine. */
export const command: Command = {
  summary: '核验结业证书（证书编号 + 验证码）',
  usage: USAGE,
  run: (args) =>
    guarded(async () => {
      const { values, positionals } = parseCommon(args, {}, USAGE);
      const [number, code] = positionals;
      if (!number || !code) throw new ExitError(`请给出证书编号和验证码\n用法: ${USAGE}`);
      const answer = await withSession(values, ({ config }) =>
        verifyCertificate(verificationTable(config), number, code),
      );
      if (values.json) process.stdout.write(`${JSON.stringify(answer)}\n`);
      else if (answer.status === 'not_found') process.stdout.write('未找到：证书编号或验证码不正确\n');
      else
        process.stdout.write(
          `${answer.status === 'genuine' ? '真实有效' : '已撤销'}：${answer.number} ${answer.name} 第${answer.classNo}期 ${answer.start}至${answer.end} ${answer.location}\n`,
        );
      return answer.valid ? 0 : 1;
    }),
};
