import { parseArgs } from 'node:util';
import { programVersions } from '@lingjun/aws';
import { EnvironmentError } from '@lingjun/core';
import {
  clockText,
  inboundHandlerFor,
  isRehearsal,
  parseClockStart,
  startLocalStack,
  type UrlHandler,
} from '@lingjun/local';
import { currentProgram, loadProgram, ProgramError } from '@lingjun/program';
import type { Command } from '../main.ts';
import { localOutputsFile, writeLocalOutputs } from '../session.ts';

const USAGE =
  'lingjun start [--program 文件] [--state 目录] [--clock 2025-06-05T10:00:00+08:00] [--ingress ses|imap]';

/** `lingjun start`: runs the local AWS stack for a program until Ctrl-C, optionally on a rehearsal clock. */
export const command: Command = {
  summary: '启动本地环境（DynamoDB、S3、SES、SMTP 收件），Ctrl-C 停止',
  async run(args) {
    let values: { program?: string; state?: string; clock?: string; ingress?: string };
    let clockFrom: Date | undefined;
    try {
      ({ values } = parseArgs({
        args,
        options: {
          program: { type: 'string' },
          state: { type: 'string' },
          clock: { type: 'string' },
          ingress: { type: 'string' },
        },
        strict: true,
      }));
      if (values.clock !== undefined) clockFrom = parseClockStart(values.clock);
      if (values.ingress && values.ingress !== 'ses' && values.ingress !== 'imap') {
        throw new Error(`--ingress 只能是 ses 或 imap，收到 ${values.ingress}`);
      }
    } catch (error) {
      process.stderr.write(`${(error as Error).message}\n用法: ${USAGE}\n`);
      return 2;
    }
    // The SDK's notice about Node 22 says nothing actionable to someone running the local stack.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    const programFile = values.program ?? 'examples/program-2025.json';
    const stateDir = values.state ?? '.lingjun';

    let program: Awaited<ReturnType<typeof loadProgram>>;
    try {
      program = await loadProgram(programFile);
    } catch (error) {
      if (error instanceof ProgramError) {
        process.stderr.write(`${error.message}\n`);
        return 1;
      }
      throw error;
    }

    process.stdout.write(`正在启动本地环境（状态目录 ${stateDir}）…\n`);
    let stack: Awaited<ReturnType<typeof startLocalStack>>;
    // The organisation's mailbox over IMAP and SMTP submission (--ingress imap), beside the SES path.
    let mailbox: import('@lingjun/local/imap-ingress').LocalImapIngress | undefined;
    try {
      // The handler needs the config, which exists only once the stack has chosen its ports.
      let handler: ReturnType<typeof inboundHandlerFor> | undefined;
      let verify: UrlHandler | undefined;
      stack = await startLocalStack({
        program,
        stateDir,
        advertise: true,
        ...(clockFrom ? { clockFrom } : {}),
        onInbound: (event) => (handler ? handler(event) : Promise.resolve()),
        // Mail a crashed earlier run accepted but never answered ends in an outcome: at start-up and then
        // every quarter of an hour, as the sweeper function's AWS schedule.
        // Mail the local mailbox poller stored is judged against the local mail server, as the poller judged it.
        sweep: (await import('@lingjun/fn-sweeper')).localSweep(
          program,
          values.ingress === 'imap'
            ? { organisationAuthservId: (await import('@lingjun/local/imap-ingress')).LOCAL_AUTHSERV_ID }
            : {},
        ),
        // Each send's SES Send event reaches the bounces function, as the configuration set's rule delivers it:
        // a run that stopped mid-send asks it whether its reply left.
        sesEvents: (await import('@lingjun/fn-bounces')).localDeliveryEvents(program),
        // The same daily job as the AWS schedule, at the same local time, through the function's own entry.
        schedules: [
          (await import('@lingjun/fn-reminders')).localDailyJob(() => stack.config, program),
          (await import('@lingjun/fn-course-end')).localCourseEndJob(
            () => stack.config,
            program,
            () => stack.verifyUrl,
          ),
        ],
        // The verify function's own handler, so certificates issued here carry a page that answers.
        verify: (event) =>
          verify ? verify(event) : Promise.resolve({ statusCode: 503, body: '核验服务正在启动' }),
      });
      verify = (await import('@lingjun/fn-verify')).verifyHandler(stack.config);
      handler = inboundHandlerFor(stack.config, program, stack.clock);
      if (values.ingress === 'imap') {
        const { startImapIngress } = await import('@lingjun/local/imap-ingress');
        mailbox = await startImapIngress({ config: stack.config, program, outboxDir: stack.outboxDir });
      }
    } catch (error) {
      if (error instanceof EnvironmentError) {
        process.stderr.write(`${error.message}\n`);
        return 1;
      }
      throw error;
    }

    const { endpoints } = stack.config;
    // The stack's program is its published version; the file seeds a state folder that has none.
    const published = await currentProgram(programVersions(stack.config), async () => program);
    const stale = values.program && JSON.stringify(published.program) !== JSON.stringify(program);
    const outputs = localOutputsFile(stateDir);
    await writeLocalOutputs(outputs, stack.config, stack.verifyUrl ? { verifyUrl: stack.verifyUrl } : {});
    process.stdout.write(
      [
        `本地环境已就绪（${(stack.startupMs / 1000).toFixed(1)} 秒）/ local stack ready`,
        `  收件 SMTP      127.0.0.1:${stack.smtpPort}  （仅接收发往 ${program.mailbox} 的邮件）`,
        `  发件查看器     ${stack.sesViewerUrl}`,
        `  发件箱目录     ${stack.outboxDir}`,
        `  程序版本       ${published.version}（${published.program.year}年，${published.publishedBy} 发布于 ${published.publishedAt}）`,
        ...(stale
          ? [
              `  注意：状态目录中的当前程序不是 ${values.program}；要改用它，请运行 lingjun program publish ${values.program}`,
            ]
          : []),
        `  核验页面       ${stack.verifyUrl}`,
        `  部署输出文件   ${outputs}  （其他命令可用 --deployment ${outputs}）`,
        `  SES 端点       ${endpoints?.ses}`,
        `  S3 端点        ${endpoints?.s3}  （桶 ${stack.config.bucketName}）`,
        `  DynamoDB 端点  ${endpoints?.dynamodb}  （表 ${stack.config.tableName}，核验表 ${stack.config.verifyTableName}）`,
        ...(isRehearsal(stack.clock) ? [`  演练时钟       ${clockText(stack.clock, program.timezone)}`] : []),
        '按 Ctrl-C 停止。',
        '',
      ].join('\n'),
    );
    if (mailbox) {
      const { imap, submission } = mailbox;
      process.stdout.write(
        `IMAP ${imap.host}:${imap.port} ${imap.user} ${imap.password}\n` +
          `  发件 SMTP 提交  ${submission.host}:${submission.port}  （STARTTLS，同一账号；回复写入发件箱目录，副本存入 Sent）\n` +
          `  收件认证        追加到 INBOX 的邮件须带本地邮件服务器的认证结果头（Authentication-Results: ${mailbox.account.authservId}; …），否则联系人来信待人工确认\n`,
      );
    }

    await new Promise<void>((resolve) => {
      const onSignal = () => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        resolve();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    });
    // A second Ctrl-C (or a supervisor forwarding the signal again) must not kill us mid-stop: that would
    // leave DynamoDB Local running with the state folder locked.
    const patience = () => process.stdout.write('正在停止，请稍候…\n');
    process.on('SIGINT', patience);
    process.on('SIGTERM', patience);
    process.stdout.write('正在停止本地环境…\n');
    try {
      await mailbox?.stop();
      await stack.stop();
    } finally {
      process.off('SIGINT', patience);
      process.off('SIGTERM', patience);
    }
    process.stdout.write('已停止。\n');
    return 0;
  },
};
