import { INTAKE_TIMEOUT_SECONDS, SWEEP_EVERY_MINUTES } from '@lingjun/core';
import { Aws, CfnOutput, Duration, SecretValue, Stack, type StackProps, TimeZone } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventsTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import type { LingjunConfig } from './config.ts';
import { deadLetterQueue, LingjunFunction } from './lingjun-function.ts';
import { OrganisationMailbox } from './mailbox.ts';
import { acknowledgeDataGrants, acknowledgeWildcardResources } from './nag.ts';
import {
  certKeySecretName,
  dataBucketName,
  PREFIXES,
  personKeySecretName,
  registryTableName,
  verificationTableName,
} from './stateful-stack.ts';

export interface StatelessStackProps extends StackProps {
  config: LingjunConfig;
  /** The key that encrypts the registry table and the data bucket; grants on either must include it. */
  dataKey: kms.IKey;
}

/** The receipt rule's name inside the rule set; fixed so the bucket policy can name it in advance. */
export const RECEIPT_RULE_NAME = 'lingjun-intake';

/** Name of the SES configuration set every outbound mail is sent with. */
export function outboundConfigurationSetName(name: string): string {
  return `${name}-outbound`;
}

/**
 * The data key for a function that reads or writes the table: DynamoDB decrypts a table under a customer key
 * on behalf of the caller, so the caller needs the key, but only through DynamoDB (kms:ViaService).
 */
function dataKeyViaDynamoDb(key: kms.IKey): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
    resources: [key.keyArn],
    conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${Aws.REGION}.amazonaws.com` } },
  });
}

/** Each function's Lambda timeout in seconds (npm run bench times the jobs at ten times a season against them). */
export const FUNCTION_TIMEOUT_S = {
  intake: INTAKE_TIMEOUT_SECONDS,
  reminders: 300,
  course_end: 600,
  verify: 10,
} as const;

/** `cron(MM HH * * ? *)` for a local HH:MM; the time zone is passed separately, so the hour is not shifted. */
export function dailyCron(time: string): string {
  const [hh, mm] = time.split(':');
  return `cron(${mm} ${hh} * * ? *)`;
}

function retention(days: number): logs.RetentionDays {
  const allowed = Object.values(logs.RetentionDays).filter((v): v is number => typeof v === 'number');
  if (!allowed.includes(days)) {
    throw new Error(`logRetentionDays ${days} is not one CloudWatch accepts (${allowed.join(', ')})`);
  }
  return days as logs.RetentionDays;
}

/**
 * Code and wiring that can be replaced at will: the functions, SES receipt and the outbound configuration
 * set, the daily schedules and alarms. Holds no data; the bucket and table come from the stateful stack.
 */
export class StatelessStack extends Stack {
  readonly intake: LingjunFunction;
  readonly reminders: LingjunFunction;
  readonly courseEnd: LingjunFunction;
  readonly verify: LingjunFunction;
  readonly bounces: LingjunFunction;
  readonly configurationSet: ses.ConfigurationSet;
  /** The organisation's mailbox, when mail comes in over IMAP or goes out over SMTP (issue 17). */
  readonly mailbox?: OrganisationMailbox;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { config } = props;
    // The bucket is SSE-KMS under the data key, so the bucket grants below must include the key.
    const bucket = s3.Bucket.fromBucketAttributes(this, 'DataBucket', {
      bucketName: dataBucketName(this, config.name),
      encryptionKey: props.dataKey,
    });
    const table = dynamodb.Table.fromTableAttributes(this, 'RegistryTable', {
      tableName: registryTableName(config.name),
      encryptionKey: props.dataKey,
    });
    // Under an AWS-owned key: grants on it carry no KMS permission.
    const verificationTable = dynamodb.Table.fromTableName(
      this,
      'VerificationTable',
      verificationTableName(config.name),
    );

    // Alarm notifications carry no personal data, but SNS topics are still encrypted (AwsSolutions-SNS2);
    // a customer key is needed because CloudWatch cannot publish to a topic under the AWS-managed key.
    const alarmKey = new kms.Key(this, 'AlarmKey', {
      description: 'lingjun alarm topic',
      enableKeyRotation: true,
    });
    alarmKey.grant(
      new iam.ServicePrincipal('cloudwatch.amazonaws.com'),
      'kms:Decrypt',
      'kms:GenerateDataKey*',
    );
    const alarmTopic = new sns.Topic(this, 'Alarms', { masterKey: alarmKey, enforceSSL: true });
    for (const email of config.alarmEmails)
      alarmTopic.addSubscription(new subscriptions.EmailSubscription(email));

    const environment = {
      LINGJUN_TABLE: table.tableName,
      LINGJUN_VERIFY_TABLE: verificationTable.tableName,
      LINGJUN_BUCKET: bucket.bucketName,
      LINGJUN_MAILBOX: config.mailbox,
      LINGJUN_ADMIN_EMAILS: config.adminEmails.join(','),
      LINGJUN_INBOUND_PREFIX: PREFIXES.inbound,
    };
    // Resolved by CloudFormation at deploy time (never in the template); verify needs no person key.
    const personKey = SecretValue.secretsManager(personKeySecretName(config.name)).unsafeUnwrap();
    const certKey = SecretValue.secretsManager(certKeySecretName(config.name)).unsafeUnwrap();
    const common = {
      root: config.root,
      programFile: config.programFile,
      environment: {
        ...environment,
        LINGJUN_KEY_SECRET: personKey,
        // Every outbound mail goes under this set, so its bounces and complaints reach the bounces function.
        LINGJUN_SES_CONFIGURATION_SET: outboundConfigurationSetName(config.name),
        LINGJUN_SEND_RATE: String(config.sendRate),
      },
      environmentKey: props.dataKey,
      logRetention: retention(config.logRetentionDays),
      alarmTopic,
      sourceMaps: config.sourceMaps,
    };

    this.intake = new LingjunFunction(this, 'Intake', {
      ...common,
      name: 'intake',
      description: 'Reads a province submission from SES, checks it, records it, replies',
      // A 40 MB email (SES's largest) peaks at 330–390 MB RSS (infra/test/assets.test.ts measures it); 1024 MB
      // leaves room for worse mail and buys the CPU (Lambda's scales with memory) to parse it in time.
      memorySize: 1024,
      timeout: Duration.seconds(INTAKE_TIMEOUT_SECONDS),
    });
    this.reminders = new LingjunFunction(this, 'Reminders', {
      ...common,
      name: 'reminders',
      description: 'Daily: deadline reminders to regions, digests to the bureau',
      timeout: Duration.seconds(FUNCTION_TIMEOUT_S.reminders),
    });
    this.courseEnd = new LingjunFunction(this, 'CourseEnd', {
      ...common,
      environment: { ...common.environment, LINGJUN_CERT_SECRET: certKey },
      name: 'course-end',
      description: 'Daily: after a class ends, completion lists and certificates',
      memorySize: 1024,
      timeout: Duration.seconds(FUNCTION_TIMEOUT_S.course_end),
    });
    // Verify's environment holds nothing secret, so it is not encrypted with the data key: that would give
    // the public function kms:Decrypt on the key that protects personal data.
    const { environmentKey: _personDataKey, ...publicCommon } = common;
    this.verify = new LingjunFunction(this, 'Verify', {
      ...publicCommon,
      name: 'verify',
      description: 'Public certificate check by number and verification code',
      environment,
      memorySize: 256,
      timeout: Duration.seconds(FUNCTION_TIMEOUT_S.verify),
      ...(config.verifyReservedConcurrency !== undefined
        ? { reservedConcurrentExecutions: config.verifyReservedConcurrency }
        : {}),
    });
    this.bounces = new LingjunFunction(this, 'Bounces', {
      ...publicCommon,
      name: 'bounces',
      description: 'Records bounces and complaints of outbound mail against the region they were for',
      environment,
      memorySize: 256,
      timeout: Duration.seconds(30),
    });

    // Least privilege, per function.
    const sendFromMailbox = new iam.PolicyStatement({
      actions: ['ses:SendEmail', 'ses:SendRawEmail'],
      resources: [
        this.formatArn({ service: 'ses', resource: 'identity', resourceName: config.domain }),
        this.formatArn({ service: 'ses', resource: 'identity', resourceName: config.mailbox }),
        // SES v2 authorises SendEmail against the configuration set it names as well.
        this.formatArn({
          service: 'ses',
          resource: 'configuration-set',
          resourceName: outboundConfigurationSetName(config.name),
        }),
      ],
      // Whatever the code does, mail can only leave as the program mailbox.
      conditions: { StringEquals: { 'ses:FromAddress': config.mailbox } },
    });
    bucket.grantRead(this.intake.fn, `${PREFIXES.inbound}*`);
    bucket.grantReadWrite(this.intake.fn, `${PREFIXES.attachments}*`);
    bucket.grantReadWrite(this.intake.fn, `${PREFIXES.documents}*`);
    table.grantReadWriteData(this.intake.fn);
    this.intake.fn.addToRolePolicy(sendFromMailbox);

    table.grantReadWriteData(this.reminders.fn);
    bucket.grantReadWrite(this.reminders.fn, `${PREFIXES.documents}*`);
    this.reminders.fn.addToRolePolicy(sendFromMailbox);

    table.grantReadWriteData(this.courseEnd.fn);
    bucket.grantReadWrite(this.courseEnd.fn, `${PREFIXES.documents}*`);
    this.courseEnd.fn.addToRolePolicy(sendFromMailbox);
    // Course-end publishes each certificate to the verification table (one UpdateItem per certificate).
    this.courseEnd.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:UpdateItem'],
        resources: [verificationTable.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['CERT#*'] } },
      }),
    );

    // Verify answers strangers, so it holds the least: the verification table only, GetItem on certificate
    // items (CERT#…) and the rate-limit counters (RL#…), its one write being those counters; no Scan or
    // Query, no registry table, no bucket, no mail, no secret, and no KMS permission at all: the
    // verification table is under an AWS-owned key, which DynamoDB uses without asking the caller's role.
    this.verify.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem'],
        resources: [verificationTable.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['CERT#*', 'RL#*'] } },
      }),
    );
    this.verify.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:UpdateItem'],
        resources: [verificationTable.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['RL#*'] } },
      }),
    );

    // Bounces reads what a sent mail answered (SENTMSG#…), writes bounce records (Y#<year>#BOUNCE) and the
    // evidence of sent mail (SENTTAG#…); nothing else.
    this.bounces.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem'],
        resources: [table.tableArn],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['SENTMSG#*', 'Y#*#BOUNCE', 'SENTTAG#*'] },
        },
      }),
    );
    this.bounces.fn.addToRolePolicy(dataKeyViaDynamoDb(props.dataKey));

    const prefixArns = Object.values(PREFIXES).map((p) => bucket.arnForObjects(`${p}*`));
    for (const f of [this.intake, this.reminders, this.courseEnd]) {
      acknowledgeDataGrants(f.fn, [...prefixArns, `${table.tableArn}/index/*`]);
    }

    // Anyone holding a certificate number and code may check it (spec §9), so the URL has no IAM auth; the
    // function reads only the verification table (writing its rate-limit counters) and reveals only what the
    // certificate already shows.
    const verifyUrl = this.verify.fn.addFunctionUrl({
      authType: lambda.FunctionUrlAuthType.NONE,
      cors: { allowedOrigins: ['*'], allowedMethods: [lambda.HttpMethod.GET] },
    });
    new CfnOutput(this, 'VerifyUrl', { value: verifyUrl.url });
    // What `lingjun … --deployment deploy.json` reads (cdk deploy --outputs-file deploy.json).
    new CfnOutput(this, 'TableName', { value: table.tableName });
    new CfnOutput(this, 'VerifyTableName', { value: verificationTable.tableName });
    new CfnOutput(this, 'BucketName', { value: bucket.bucketName });
    new CfnOutput(this, 'Region', { value: Aws.REGION });
    // Certificates carry a QR code to this page.
    this.courseEnd.fn.addEnvironment('LINGJUN_VERIFY_URL', verifyUrl.url);

    const { mail } = config;
    if (mail.ingress === 'imap' || mail.egress === 'smtp') {
      this.mailbox = new OrganisationMailbox(this, 'Mailbox', { config: mail });
      if (mail.egress === 'smtp')
        for (const f of [this.intake, this.reminders, this.courseEnd]) this.mailbox.use(f.fn);
      if (mail.ingress === 'imap') this.mailbox.addPoller(common, { bucket, table, prefixes: PREFIXES });
    }
    if (mail.ingress === 'ses') {
      // SES receipt: store the raw message first, then hand its id to intake, then stop further rules.
      const ruleSet = new ses.CfnReceiptRuleSet(this, 'ReceiptRuleSet', {
        ruleSetName: config.receiptRuleSetName,
      });
      const sesInvoke = new lambda.CfnPermission(this, 'SesInvokeIntake', {
        action: 'lambda:InvokeFunction',
        functionName: this.intake.fn.functionArn,
        principal: 'ses.amazonaws.com',
        sourceAccount: Aws.ACCOUNT_ID,
        sourceArn: this.formatArn({
          service: 'ses',
          resource: 'receipt-rule-set',
          resourceName: `${config.receiptRuleSetName}:receipt-rule/${RECEIPT_RULE_NAME}`,
        }),
      });
      const rule = new ses.CfnReceiptRule(this, 'IntakeRule', {
        ruleSetName: config.receiptRuleSetName,
        rule: {
          name: RECEIPT_RULE_NAME,
          enabled: true,
          recipients: [config.mailbox],
          scanEnabled: true,
          tlsPolicy: 'Optional',
          actions: [
            { s3Action: { bucketName: bucket.bucketName, objectKeyPrefix: PREFIXES.inbound } },
            { lambdaAction: { functionArn: this.intake.fn.functionArn, invocationType: 'Event' } },
            { stopAction: { scope: 'RuleSet' } },
          ],
        },
      });
      rule.addResourceDependency(ruleSet);
      // SES checks at creation time that it may invoke the function.
      rule.addResourceDependency(sesInvoke);
    }

    // Outbound mail: one configuration set on every SendEmail; its send, bounce and complaint events go to the
    // account's default event bus, where a rule hands this set's events to the bounces function. A Send event
    // is the evidence a run that stopped mid-send asks for before sending a reply again.
    this.configurationSet = new ses.ConfigurationSet(this, 'Outbound', {
      configurationSetName: outboundConfigurationSetName(config.name),
      reputationMetrics: true,
    });
    this.configurationSet.addEventDestination('DeliveryProblems', {
      destination: ses.EventDestination.eventBus(
        events.EventBus.fromEventBusName(this, 'DefaultBus', 'default'),
      ),
      events: [ses.EmailSendingEvent.SEND, ses.EmailSendingEvent.BOUNCE, ses.EmailSendingEvent.COMPLAINT],
    });
    new events.Rule(this, 'DeliveryProblemsRule', {
      description: 'SES sends, bounces and complaints of lingjun mail to the bounces function',
      eventPattern: {
        source: ['aws.ses'],
        detailType: ['Email Sent', 'Email Bounced', 'Email Complaint Received'],
        detail: { mail: { tags: { 'ses:configuration-set': [outboundConfigurationSetName(config.name)] } } },
      },
      targets: [
        new eventsTargets.LambdaFunction(this.bounces.fn, {
          deadLetterQueue: this.bounces.deadLetterQueue,
          retryAttempts: 3,
          maxEventAge: Duration.hours(6),
        }),
      ],
    });

    // Daily schedules in the program's own time zone, so 09:00 means 09:00 in Beijing all year.
    const timeZone = TimeZone.of(config.program.timezone);
    const schedulerRole = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
      description: 'EventBridge Scheduler: invoke the reminders and course-end functions only',
    });
    const schedulerDlq = deadLetterQueue(this, 'SchedulerDlq', alarmTopic, 'lingjun schedule delivery');
    const daily = (id: string, fn: LingjunFunction, time: string, kind: string, description: string) =>
      new scheduler.Schedule(this, id, {
        description,
        schedule: scheduler.ScheduleExpression.expression(dailyCron(time), timeZone),
        timeWindow: scheduler.TimeWindow.flexible(Duration.minutes(5)),
        target: new targets.LambdaInvoke(fn.fn, {
          role: schedulerRole,
          deadLetterQueue: schedulerDlq,
          retryAttempts: 3,
          maxEventAge: Duration.hours(2),
          // The planned instant, identical on every retry of one firing: a retry two hours late still acts
          // for the day it was meant for, and the send-once records see one day, not two.
          input: scheduler.ScheduleTargetInput.fromObject({
            kind,
            scheduledTime: scheduler.ContextAttribute.scheduledTime,
          }),
        }),
      });
    daily(
      'RemindersDaily',
      this.reminders,
      config.program.reminders.time,
      'reminders',
      'Deadline reminders and bureau digest',
    );
    daily(
      'CourseEndDaily',
      this.courseEnd,
      config.courseEndTime,
      'course-end',
      'Course-end completion check',
    );
    acknowledgeWildcardResources(
      schedulerRole,
      [`${this.reminders.fn.functionArn}:*`, `${this.courseEnd.fn.functionArn}:*`],
      'Scheduler may invoke these two functions (any version or alias of them) and nothing else.',
    );

    // Every email under inbound/ ends in one outcome: the sweeper re-drives mail whose intake invocation was
    // lost (Lambda's async queue drops what it cannot deliver) and claims whose lease ran out.
    const sweeper = new LingjunFunction(this, 'Sweeper', {
      ...common,
      name: 'sweeper',
      description: 'Every 15 minutes: re-drives inbound mail that has no finished outcome',
      memorySize: 1024,
      timeout: Duration.minutes(10),
    });
    bucket.grantRead(sweeper.fn, `${PREFIXES.inbound}*`);
    bucket.grantReadWrite(sweeper.fn, `${PREFIXES.attachments}*`);
    bucket.grantReadWrite(sweeper.fn, `${PREFIXES.documents}*`);
    table.grantReadWriteData(sweeper.fn);
    sweeper.fn.addToRolePolicy(sendFromMailbox);
    // The sweeper answers the mail it re-drives as intake would: through the mailbox when replies go out by
    // SMTP. Mail the poller stored is judged against the organisation's server when the poller trusts its header.
    if (this.mailbox && mail.egress === 'smtp') this.mailbox.use(sweeper.fn);
    else {
      const orgAuthservId = this.mailbox?.environment.LINGJUN_AUTHSERV_ID;
      if (orgAuthservId) sweeper.fn.addEnvironment('LINGJUN_AUTHSERV_ID', orgAuthservId);
    }
    acknowledgeDataGrants(sweeper.fn, [...prefixArns, `${table.tableArn}/index/*`]);
    new scheduler.Schedule(this, 'SweeperSchedule', {
      description: 'Re-drive inbound mail without an outcome',
      schedule: scheduler.ScheduleExpression.rate(Duration.minutes(SWEEP_EVERY_MINUTES)),
      // A missed run is made up by the next one a quarter of an hour later.
      target: new targets.LambdaInvoke(sweeper.fn, { role: schedulerRole, retryAttempts: 0 }),
    });
    acknowledgeWildcardResources(
      schedulerRole,
      [`${sweeper.fn.functionArn}:*`],
      'Scheduler may invoke the sweeper (any version or alias of it).',
    );
  }
}
