import { parseArgs } from 'node:util';
import { EnvironmentError } from '@lingjun/core';
import { inboundHandlerFor, startLocalStack } from '@lingjun/local';
import { loadProgram, ProgramError } from '@lingjun/program';
import type { Command } from '../main.ts';

/** `lingjun start`: runs the local AWS stack for a program until Ctrl-C. */
export const command: Command = {
  summary: '启动本地环境（DynamoDB、S3、SES、SMTP 收件），Ctrl-C 停止',
  async run(args) {
    let values: { program?: string; state?: string; ingress?: string };
    try {
      ({ values } = parseArgs({
        args,
        options: { program: { type: 'string' }, state: { type: 'string' }, ingress: { type: 'string' } },
        strict: true,
      }));
      if (values.ingress && values.ingress !== 'ses' && values.ingress !== 'imap') {
        throw new Error(`--ingress 只能是 ses 或 imap，收到 ${values.ingress}`);
      }
    } catch (error) {
      process.stderr.write(
        `${(error as Error).message}\n用法: lingjun start [--program 文件] [--state 目录] [--ingress ses|imap]\n`,
      );
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
      stack = await startLocalStack({
        program,
        stateDir,
        advertise: true,
        onInbound: (event) => (handler ? handler(event) : Promise.resolve()),
        // The same daily job as the AWS schedule, at the same local time, through the function's own entry.
        schedules: [
          (await import('@lingjun/fn-reminders')).localDailyJob(() => stack.config, program),
          (await import('@lingjun/fn-course-end')).localCourseEndJob(() => stack.config, program),
        ],
      });
      handler = inboundHandlerFor(stack.config, program);
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
    process.stdout.write(
      [
        `本地环境已就绪（${(stack.startupMs / 1000).toFixed(1)} 秒）/ local stack ready`,
        `  收件 SMTP      127.0.0.1:${stack.smtpPort}  （仅接收发往 ${program.mailbox} 的邮件）`,
        `  发件查看器     ${stack.sesViewerUrl}`,
        `  发件箱目录     ${stack.outboxDir}`,
        `  SES 端点       ${endpoints?.ses}`,
        `  S3 端点        ${endpoints?.s3}  （桶 ${stack.config.bucketName}）`,
        `  DynamoDB 端点  ${endpoints?.dynamodb}  （表 ${stack.config.tableName}）`,
        '按 Ctrl-C 停止。',
        '',
      ].join('\n'),
    );
    if (mailbox) {
      const { imap, submission } = mailbox;
      process.stdout.write(
        `IMAP ${imap.host}:${imap.port} ${imap.user} ${imap.password}\n` +
          `  发件 SMTP 提交  ${submission.host}:${submission.port}  （STARTTLS，同一账号；回复写入发件箱目录，副本存入 Sent）\n`,
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
