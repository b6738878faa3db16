import { ConfigError } from '@lingjun/core';
import { Duration, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { deadLetterQueue, LingjunFunction, type LingjunFunctionProps } from './lingjun-function.ts';
import { acknowledgeDataGrants, acknowledgeWildcardResources } from './nag.ts';

/**
 * How mail comes in and goes out (issue 17). SES receipt needs the mailbox's MX at SES, which an
 * organisation's own domain rarely allows and AWS China regions do not offer; `imap` polls the organisation's
 * mailbox instead, and `smtp` submits replies through its server.
 */
export interface MailConfig {
  ingress: 'ses' | 'imap';
  egress: 'ses' | 'smtp';
  /** The organisation's mail server and account; set when either route uses the mailbox. */
  account?: {
    host: string;
    user: string;
    secure: boolean;
    imapPort: number;
    smtpPort: number;
    /** YYYY-MM-DD: older mail in the inbox is never taken. */
    since: string;
    processedFolder: string;
    sentFolder?: string;
    authservId?: string;
  };
}

type ContextReader = (key: string) => unknown;

function choice<T extends string>(key: string, value: unknown, allowed: readonly T[]): T {
  const v = value === undefined || value === null || value === '' ? allowed[0]! : String(value);
  if (!allowed.includes(v as T))
    throw new ConfigError(`context ${key} must be ${allowed.join(' or ')}, got ${v}`);
  return v as T;
}

/** Reads ingress, egress and the mailbox account from CDK context (`-c ingress=imap -c mailboxHost=...`). */
export function loadMailConfig(context: ContextReader, mailbox: string, year: number): MailConfig {
  const ingress = choice('ingress', context('ingress'), ['ses', 'imap'] as const);
  const egress = choice('egress', context('egress'), ['ses', 'smtp'] as const);
  if (ingress === 'ses' && egress === 'ses') return { ingress, egress };
  const host = context('mailboxHost');
  if (!host) throw new ConfigError('context mailboxHost is required when ingress=imap or egress=smtp');
  const secure = context('mailboxSecure') !== false && context('mailboxSecure') !== 'false';
  const since = String(context('mailboxSince') ?? `${year}-01-01`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(since))
    throw new ConfigError(`context mailboxSince must be YYYY-MM-DD, got ${since}`);
  const sent = context('mailboxSentFolder');
  const authservId = context('authservId');
  return {
    ingress,
    egress,
    account: {
      host: String(host),
      user: String(context('mailboxUser') ?? mailbox),
      secure,
      imapPort: Number(context('imapPort') ?? (secure ? 993 : 143)),
      smtpPort: Number(context('smtpPort') ?? (secure ? 465 : 587)),
      since,
      processedFolder: String(context('mailboxProcessedFolder') ?? 'Processed'),
      ...(sent ? { sentFolder: String(sent) } : {}),
      ...(authservId ? { authservId: String(authservId) } : {}),
    },
  };
}

export interface OrganisationMailboxProps {
  config: MailConfig;
}

/**
 * The organisation's mailbox: a secret for its password (set by the mail administrator after deploy, never in
 * the template), the environment every function that uses it gets, and, for IMAP ingress, the poller.
 */
export class OrganisationMailbox extends Construct {
  readonly secret: secretsmanager.Secret;
  readonly environment: Record<string, string>;
  poller?: LingjunFunction;

  constructor(scope: Construct, id: string, props: OrganisationMailboxProps) {
    super(scope, id);
    const account = props.config.account;
    if (!account) throw new ConfigError('OrganisationMailbox needs the mailbox account');
    this.secret = new secretsmanager.Secret(this, 'Password', {
      description: `lingjun: password of ${account.user} on ${account.host} ({"password": "..."})`,
      // Secrets Manager's own key: granting the functions on the stateful stack's data key from here would
      // make that stack depend on this one.
      // A placeholder until the administrator stores the real password; the poller fails to log in until then.
      generateSecretString: { secretStringTemplate: '{}', generateStringKey: 'password' },
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        "The password belongs to the organisation's mail server; it is rotated there, then stored here.",
    });
    this.environment = {
      LINGJUN_INGRESS: props.config.ingress,
      LINGJUN_EGRESS: props.config.egress,
      LINGJUN_MAILBOX_HOST: account.host,
      LINGJUN_MAILBOX_USER: account.user,
      LINGJUN_MAILBOX_SECURE: String(account.secure),
      LINGJUN_IMAP_PORT: String(account.imapPort),
      LINGJUN_SMTP_PORT: String(account.smtpPort),
      LINGJUN_MAILBOX_SINCE: account.since,
      LINGJUN_MAILBOX_PROCESSED: account.processedFolder,
      LINGJUN_MAILBOX_SECRET: this.secret.secretArn,
      ...(account.sentFolder ? { LINGJUN_MAILBOX_SENT: account.sentFolder } : {}),
      ...(account.authservId ? { LINGJUN_AUTHSERV_ID: account.authservId } : {}),
    };
  }

  /** Lets a function use the mailbox: its settings in the environment and read access to the password. */
  use(fn: lambda.Function): void {
    for (const [k, v] of Object.entries(this.environment)) fn.addEnvironment(k, v);
    this.secret.grantRead(fn);
  }

  /**
   * The IMAP poller, run every minute. One at a time (reserved concurrency 1): two polls would only race for
   * the same messages, which the ledger then answers as busy or duplicate.
   */
  addPoller(
    common: Omit<LingjunFunctionProps, 'name' | 'description'>,
    grants: { bucket: s3.IBucket; table: dynamodb.ITable; prefixes: Record<string, string> },
  ): LingjunFunction {
    const poller = new LingjunFunction(this, 'ImapPoll', {
      ...common,
      name: 'imap-poll',
      description:
        "Every minute: takes new mail from the organisation's mailbox over IMAP, processes it, files it",
      memorySize: 1024,
      timeout: Duration.minutes(3),
      reservedConcurrentExecutions: 1,
    });
    this.use(poller.fn);
    const { bucket, table, prefixes } = grants;
    bucket.grantReadWrite(poller.fn, `${prefixes.inbound}*`);
    bucket.grantReadWrite(poller.fn, `${prefixes.attachments}*`);
    bucket.grantReadWrite(poller.fn, `${prefixes.documents}*`);
    table.grantReadWriteData(poller.fn);

    const role = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com'),
      description: 'EventBridge Scheduler: invoke the IMAP poller only',
    });
    new scheduler.Schedule(this, 'EveryMinute', {
      description: "Poll the organisation's mailbox",
      schedule: scheduler.ScheduleExpression.rate(Duration.minutes(1)),
      target: new targets.LambdaInvoke(poller.fn, {
        role,
        deadLetterQueue: deadLetterQueue(
          this,
          'ScheduleDlq',
          common.alarmTopic,
          'lingjun imap-poll schedule',
        ),
        // A missed minute is covered by the next one; retrying an old poll would only overlap it.
        retryAttempts: 0,
        maxEventAge: Duration.minutes(1),
      }),
    });
    acknowledgeDataGrants(poller.fn, [
      ...Object.values(prefixes).map((p) => bucket.arnForObjects(`${p}*`)),
      `${table.tableArn}/index/*`,
    ]);
    acknowledgeWildcardResources(
      role,
      [`${poller.fn.functionArn}:*`],
      'Scheduler may invoke the poller only.',
    );
    this.poller = poller;
    return poller;
  }
}
