import { Aws, CfnOutput, Duration, SecretValue, Stack, type StackProps, TimeZone } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
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
import { acknowledgeWildcardActions, acknowledgeWildcardResources } from './nag.ts';
import {
  certKeySecretName,
  dataBucketName,
  PREFIXES,
  personKeySecretName,
  registryTableName,
} from './stateful-stack.ts';

export interface StatelessStackProps extends StackProps {
  config: LingjunConfig;
  /** The key that encrypts the registry table; grants on the table must include it. */
  dataKey: kms.IKey;
}

/** The receipt rule's name inside the rule set; fixed so the bucket policy can name it in advance. */
export const RECEIPT_RULE_NAME = 'lingjun-intake';

/** Each function's Lambda timeout in seconds (npm run bench times the jobs at ten times a season against them). */
export const FUNCTION_TIMEOUT_S = { intake: 180, reminders: 300, course_end: 600, verify: 10 } as const;

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
 * Code and wiring that can be replaced at will: the four functions, SES receipt, the daily schedules
 * and alarms. Holds no data; the bucket and table come from the stateful stack.
 */
export class StatelessStack extends Stack {
  readonly intake: LingjunFunction;
  readonly reminders: LingjunFunction;
  readonly courseEnd: LingjunFunction;
  readonly verify: LingjunFunction;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { config } = props;
    const bucket = s3.Bucket.fromBucketName(this, 'DataBucket', dataBucketName(this, config.name));
    const table = dynamodb.Table.fromTableAttributes(this, 'RegistryTable', {
      tableName: registryTableName(config.name),
      encryptionKey: props.dataKey,
    });

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
      environment: { ...environment, LINGJUN_KEY_SECRET: personKey },
      environmentKey: props.dataKey,
      logRetention: retention(config.logRetentionDays),
      alarmTopic,
      sourceMaps: config.sourceMaps,
    };

    this.intake = new LingjunFunction(this, 'Intake', {
      ...common,
      name: 'intake',
      description: 'Reads a province submission from SES, checks it, records it, replies',
      memorySize: 1024,
      timeout: Duration.seconds(FUNCTION_TIMEOUT_S.intake),
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
    this.verify = new LingjunFunction(this, 'Verify', {
      ...common,
      name: 'verify',
      description: 'Public certificate check by number and verification code',
      environment: { ...environment, LINGJUN_CERT_SECRET: certKey },
      memorySize: 256,
      timeout: Duration.seconds(FUNCTION_TIMEOUT_S.verify),
      ...(config.verifyReservedConcurrency !== undefined
        ? { reservedConcurrentExecutions: config.verifyReservedConcurrency }
        : {}),
    });

    // Least privilege, per function.
    const sendFromMailbox = new iam.PolicyStatement({
      actions: ['ses:SendEmail', 'ses:SendRawEmail'],
      resources: [
        this.formatArn({ service: 'ses', resource: 'identity', resourceName: config.domain }),
        this.formatArn({ service: 'ses', resource: 'identity', resourceName: config.mailbox }),
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

    // Verify answers strangers, so it can read the table and nothing else: no bucket, no mail. Its one write
    // is the rate-limit counter against guessing, confined to items whose partition key starts with RL#.
    table.grantReadData(this.verify.fn);
    this.verify.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:UpdateItem'],
        resources: [table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['RL#*'] } },
      }),
    );
    props.dataKey.grant(this.verify.fn, 'kms:Encrypt', 'kms:GenerateDataKey');

    const scopedReason =
      'Scoped to one key prefix of the data bucket, or to the registry table and its own indexes; object ' +
      'keys and index items are only known at run time.';
    const prefixArns = Object.values(PREFIXES).map((p) => bucket.arnForObjects(`${p}*`));
    const wildcardActions = [
      's3:GetObject*',
      's3:GetBucket*',
      's3:List*',
      's3:DeleteObject*',
      's3:Abort*',
      'kms:GenerateDataKey*',
      'kms:ReEncrypt*',
    ];
    for (const f of [this.intake, this.reminders, this.courseEnd, this.verify]) {
      acknowledgeWildcardResources(f.fn, [...prefixArns, `${table.tableArn}/index/*`], scopedReason);
      acknowledgeWildcardActions(f.fn, wildcardActions, scopedReason);
    }

    // Anyone holding a certificate number and code may check it (spec §9), so the URL has no IAM auth;
    // the function is read-only on the table and reveals only what the certificate already shows.
    const verifyUrl = this.verify.fn.addFunctionUrl({
      authType: lambda.FunctionUrlAuthType.NONE,
      cors: { allowedOrigins: ['*'], allowedMethods: [lambda.HttpMethod.GET] },
    });
    new CfnOutput(this, 'VerifyUrl', { value: verifyUrl.url });
    // What `lingjun … --deployment deploy.json` reads (cdk deploy --outputs-file deploy.json).
    new CfnOutput(this, 'TableName', { value: table.tableName });
    new CfnOutput(this, 'BucketName', { value: bucket.bucketName });
    new CfnOutput(this, 'Region', { value: Aws.REGION });
    // Certificates carry a QR code to this page.
    this.courseEnd.fn.addEnvironment('LINGJUN_VERIFY_URL', verifyUrl.url);

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
  }
}
