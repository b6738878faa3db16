import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { keySecretFromEnv, services } from '@lingjun/aws';
import { certSecretFromEnv, runCourseEnd } from '@lingjun/certificates';
import { classEndsAt, localDateTime } from '@lingjun/program';
import { classOf, ExitError, guarded, parseCommon, programFrom } from '../common.ts';
import type { Command } from '../main.ts';
import { withSession } from '../session.ts';

const USAGE =
  'lingjun certificates --class N [--now ISO8601] --out 目录 [--program 文件] [--state 目录] [--verify-url URL] [--json]';

/** `lingjun certificates`: runs the course-end job for one class and writes the certificates to a folder. */
export const command: Command = {
  summary: '结业：按考勤判定结业、颁发结业证书、发送给各地区（与定时任务相同）',
  usage: USAGE,
  run: (args) =>
    guarded(async () => {
      const { values } = parseCommon(
        args,
        {
          class: { type: 'string' },
          now: { type: 'string' },
          out: { type: 'string' },
          'verify-url': { type: 'string' },
        },
        USAGE,
      );
      const program = await programFrom(values.program);
      const cls = classOf(program, values.class, USAGE);
      const classNo = cls.no;
      if (!values.out) throw new ExitError(`请用 --out 指定输出目录（用法: ${USAGE}）`);
      const given = values.now ? new Date(values.now) : undefined;
      if (given && Number.isNaN(given.getTime())) throw new ExitError(`--now 不是有效时间：${values.now}`);
      const out = resolve(values.out);
      await mkdir(out, { recursive: true });
      return withSession(values, async ({ config, program, clock, verifyUrl }) => {
        const now = given ?? clock.now();
        const [result] = await runCourseEnd(
          {
            ...services(config, program.year),
            program,
            keySecret: keySecretFromEnv(),
            certSecret: certSecretFromEnv(),
            verifyBase:
              values['verify-url'] ??
              verifyUrl ??
              process.env.LINGJUN_VERIFY_URL ??
              'http://localhost:8787/verify',
            now,
          },
          classNo,
        );
        if (!result) throw new ExitError(`没有第${classNo}期`, 1);
        if (result.status === 'not-ended')
          throw new ExitError(
            `第${classNo}期尚未结束：最后一个半天于 ${localDateTime(classEndsAt(program, cls), program.timezone)} 结束（现在是 ${localDateTime(now, program.timezone)}）`,
            1,
          );
        if (result.status === 'no-attendance') {
          throw new ExitError(
            `第${classNo}期没有任何签到表，未生成结业证书；已通知部中小企业局和培训组织方。`,
            1,
          );
        }
        for (const c of result.certificates) {
          const file = join(out, `${c.number}.docx`);
          await writeFile(file, c.content);
          const line = { number: c.number, code: c.code, student: c.student, region: c.region, file };
          process.stdout.write(
            values.json
              ? `${JSON.stringify(line)}\n`
              : `${c.number}  ${c.code}  ${c.student}  ${c.region}  ${file}\n`,
          );
        }
        if (result.printable && result.certificates.length > 0) {
          await writeFile(join(out, `第${classNo}期结业证书-打印版.docx`), result.printable.content);
        }
        const done = result.completion.filter((r) => r.completed).length;
        process.stderr.write(
          `第${classNo}期：${result.completion.length}人，结业${done}人，本次新发证书${result.certificates.filter((c) => c.created).length}份，发送邮件${result.sent.length}封\n`,
        );
        return 0;
      });
    }),
};
