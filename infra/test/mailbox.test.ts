/**
 * The stack as configuration (issue 17): the organisation's mailbox over IMAP in and SMTP submission out,
 * synthesized offline with the same context cdk.json gives `cdk synth`, plus the switches.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLingjun, type LingjunStacks } from '../src/app.ts';
import { buildFunction } from '../src/bundling.ts';
import { loadConfig } from '../src/config.ts';
import { LAMBDA_RUNTIME } from '../src/lingjun-function.ts';
import { loadMailConfig } from '../src/mailbox.ts';

const root = resolve(import.meta.dirname, '../..');
const cdkJson = JSON.parse(readFileSync(join(root, 'cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};
const MAILBOX_CONTEXT = {
  ingress: 'imap',
  egress: 'smtp',
  mailboxHost: 'mail.miitec.cn',
  mailboxSince: '2025-05-20',
  mailboxSentFolder: '已发送',
  authservId: 'mail.miitec.cn',
};

let outdir: string;
let stacks: LingjunStacks;
let stateless: Template;
let report: { pluginReports: { pluginName: string; violations: { ruleName: string }[] }[] };

beforeAll(async () => {
  outdir = await mkdtemp(join(tmpdir(), 'lingjun-cdk-imap-'));
  const app = new App({ outdir, context: { ...cdkJson.context, ...MAILBOX_CONTEXT } });
  stacks = buildLingjun(app, await loadConfig((k) => app.node.tryGetContext(k), root));
  app.synth();
  stateless = Template.fromStack(stacks.stateless);
  report = JSON.parse(await readFile(join(outdir, 'validation-report.json'), 'utf8'));
}, 180_000);

afterAll(async () => {
  if (outdir) await rm(outdir, { recursive: true, force: true });
});

const envOf = (prefix: string) => {
  const fns = stateless.findResources('AWS::Lambda::Function');
  const entry = Object.entries(fns).find(([id]) => id.startsWith(prefix));
  if (!entry) throw new Error(`no function ${prefix}`);
  return entry[1].Properties.Environment.Variables as Record<string, unknown>;
};

describe('ingress imap, egress smtp', () => {
  it('has no SES receipt rule: mail comes from the mailbox', () => {
    stateless.resourceCountIs('AWS::SES::ReceiptRule', 0);
    stateless.resourceCountIs('AWS::SES::ReceiptRuleSet', 0);
  });

  it('runs the poller once a minute, one at a time, with the mailbox settings and the password secret', () => {
    const env = envOf('MailboxImapPoll');
    expect(env).toMatchObject({
      LINGJUN_INGRESS: 'imap',
      LINGJUN_EGRESS: 'smtp',
      LINGJUN_MAILBOX_HOST: 'mail.miitec.cn',
      LINGJUN_MAILBOX_USER: stacks.stateless.node.tryGetContext('mailbox') ?? 'jiayue@miitec.cn',
      LINGJUN_IMAP_PORT: '993',
      LINGJUN_SMTP_PORT: '465',
      LINGJUN_MAILBOX_SINCE: '2025-05-20',
      LINGJUN_MAILBOX_SENT: '已发送',
      LINGJUN_AUTHSERV_ID: 'mail.miitec.cn',
      LINGJUN_MAILBOX_SECRET: { Ref: expect.stringMatching(/^MailboxPassword/) },
    });
    stateless.hasResourceProperties('AWS::Lambda::Function', {
      Description: Match.stringLikeRegexp('IMAP'),
      ReservedConcurrentExecutions: 1,
      Runtime: LAMBDA_RUNTIME.name,
    });
    stateless.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 minute)',
      Target: Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 } }),
    });
    // The password is never in the template: a generated placeholder the administrator replaces.
    stateless.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { GenerateStringKey: 'password', SecretStringTemplate: '{}' },
    });
  });

  it('sends through SMTP from every function that mails, each allowed to read the password', () => {
    for (const prefix of ['Intake', 'Reminders', 'CourseEnd', 'Sweeper']) {
      expect(envOf(prefix)).toMatchObject({ LINGJUN_EGRESS: 'smtp', LINGJUN_MAILBOX_HOST: 'mail.miitec.cn' });
    }
    // The sweeper judges mail the poller stored against the same server the poller trusts.
    expect(envOf('Sweeper').LINGJUN_AUTHSERV_ID).toBe('mail.miitec.cn');
    expect(envOf('Verify').LINGJUN_EGRESS).toBeUndefined();
    const policies = Object.values(stateless.findResources('AWS::IAM::Policy'));
    const readers = policies.filter((p) =>
      JSON.stringify(p.Properties.PolicyDocument).includes('secretsmanager:GetSecretValue'),
    );
    // Intake, reminders, course-end, the sweeper and the poller.
    expect(readers).toHaveLength(5);
  });

  it('passes cdk-nag AwsSolutions', () => {
    const nag = report.pluginReports.filter((p) => p.pluginName === 'AwsSolutions');
    expect(nag.flatMap((p) => p.violations.map((v) => v.ruleName))).toEqual([]);
  });
});

describe('mail context', () => {
  const ctx = (values: Record<string, unknown>) => (k: string) => values[k];
  it('defaults to SES both ways, with no mailbox account', () => {
    expect(loadMailConfig(ctx({}), 'jiayue@miitec.cn', 2025)).toEqual({ ingress: 'ses', egress: 'ses' });
  });
  it('SES receipt with SMTP replies is a valid mix; STARTTLS ports when not secure', () => {
    const c = loadMailConfig(
      ctx({ egress: 'smtp', mailboxHost: 'mail.miitec.cn', mailboxSecure: 'false' }),
      'jiayue@miitec.cn',
      2025,
    );
    expect(c).toMatchObject({
      ingress: 'ses',
      egress: 'smtp',
      account: { imapPort: 143, smtpPort: 587, since: '2025-01-01' },
    });
  });
  it('refuses an unknown route or a mailbox route without a host', () => {
    expect(() => loadMailConfig(ctx({ ingress: 'pop3' }), 'a@b.cn', 2025)).toThrow(/ingress/);
    expect(() => loadMailConfig(ctx({ ingress: 'imap' }), 'a@b.cn', 2025)).toThrow(/mailboxHost/);
  });
});

describe('the imap-poll asset', () => {
  it('loads on its own, outside the repository (mailauth and imapflow are inside the bundle)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lingjun-imap-poll-'));
    try {
      buildFunction(root, join('functions', 'imap-poll', 'src', 'handler.ts'), dir);
      // Run from the bundle's own folder so no node_modules of the repository can be found.
      const out = execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          "const m = await import('./index.mjs'); console.log(Object.keys(m).sort().join(','))",
        ],
        { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } },
      );
      expect(out.trim()).toBe('handler,pollOnce');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
