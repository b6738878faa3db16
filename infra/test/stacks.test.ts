import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadProgram } from '@lingjun/program';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLingjun, type LingjunStacks } from '../src/app.ts';
import { DEFAULT_VERIFY_CONCURRENCY, type LingjunConfig, loadConfig } from '../src/config.ts';
import { DURATION_ALARM_SHARE, LAMBDA_RUNTIME } from '../src/lingjun-function.ts';
import { registryTableName, verificationTableName } from '../src/stateful-stack.ts';
import { dailyCron, outboundConfigurationSetName } from '../src/stateless-stack.ts';

const root = resolve(import.meta.dirname, '../..');
const cdkJson = JSON.parse(readFileSync(join(root, 'cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};

interface Report {
  pluginReports: { pluginName: string; violations: { ruleName: string; severity: string }[] }[];
}

// biome-ignore lint/suspicious/noExplicitAny: synthesized CloudFormation JSON is walked ad hoc in these assertions.
type Json = Record<string, any>;

let outdir: string;
let stacks: LingjunStacks;
let config: LingjunConfig;
let stateful: Template;
let stateless: Template;
let report: Report;

beforeAll(async () => {
  outdir = await mkdtemp(join(tmpdir(), 'lingjun-cdk-'));
  // The same context cdk.json gives `cdk synth`, so feature flags and defaults match the real app.
  const app = new App({ outdir, context: cdkJson.context });
  config = await loadConfig((k) => app.node.tryGetContext(k), root);
  stacks = buildLingjun(app, config);
  app.synth();
  report = JSON.parse(await readFile(join(outdir, 'validation-report.json'), 'utf8')) as Report;
  stateful = Template.fromStack(stacks.stateful);
  stateless = Template.fromStack(stacks.stateless);
}, 120_000);

afterAll(async () => {
  if (outdir) await rm(outdir, { recursive: true, force: true });
});

/** The IAM statements attached to a function's execution role. */
function roleStatements(template: Template, logicalPrefix: string): Json[] {
  const json = template.toJSON() as { Resources: Record<string, Json> };
  const fnEntry = Object.entries(json.Resources).find(
    ([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith(logicalPrefix),
  );
  if (!fnEntry) throw new Error(`no function ${logicalPrefix}`);
  const roleId = fnEntry[1].Properties.Role['Fn::GetAtt'][0] as string;
  return Object.values(json.Resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((x: Json) => x.Ref === roleId))
    .flatMap((r) => r.Properties.PolicyDocument.Statement as Json[]);
}

const actionsOf = (statements: Json[]) => statements.flatMap((s) => [s.Action].flat() as string[]);

describe('StatefulStack', () => {
  it('keeps raw mail in a versioned, private bucket under the customer key that expires inbound/ and logs access', () => {
    const dataKeyId = Object.keys(stateful.findResources('AWS::KMS::Key')).find((id) =>
      id.startsWith('DataKey'),
    );
    expect(dataKeyId).toBeDefined();
    stateful.hasResourceProperties('AWS::S3::Bucket', {
      // Default encryption is SSE-KMS with the stack's own data key (the one that encrypts the table).
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: { 'Fn::GetAtt': [dataKeyId, 'Arn'] },
            },
            BucketKeyEnabled: true,
          },
        ],
      },
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            Prefix: 'inbound/',
            ExpirationInDays: config.rawMailRetentionDays,
            Status: 'Enabled',
          }),
        ]),
      },
      LoggingConfiguration: { DestinationBucketName: { Ref: Match.stringLikeRegexp('^AccessLogs') } },
    });
    stateful.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ VersioningConfiguration: { Status: 'Enabled' } }),
    });
  });

  it('lets only this account’s receipt rule set put raw mail, and refuses plain HTTP', () => {
    stateful.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: Match.stringLikeRegexp('^Data') },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
          Match.objectLike({
            Sid: 'AllowSesPutRawMail',
            Effect: 'Allow',
            Principal: { Service: 'ses.amazonaws.com' },
            Action: 's3:PutObject',
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: {
                'aws:SourceArn': {
                  'Fn::Join': [
                    '',
                    Match.arrayWith([`:receipt-rule-set/${config.receiptRuleSetName}:receipt-rule/*`]),
                  ],
                },
              },
            },
          }),
        ]),
      },
    });
  });

  it('lets SES use the data key to write raw mail into the SSE-KMS bucket, for this account’s rules only', () => {
    stateful.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'AllowSesToWriteRawMailToTheSseKmsBucket',
            Effect: 'Allow',
            Principal: { Service: 'ses.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: { 'aws:SourceArn': Match.anyValue() },
            },
          }),
        ]),
      },
    });
    // The receipt rule's S3 action does not encrypt on its own (that would be client-side encryption).
    const rule = Object.values(stateless.findResources('AWS::SES::ReceiptRule'))[0] as Json;
    const s3Action = (rule.Properties.Rule.Actions as Json[]).find((a) => a.S3Action)!.S3Action;
    expect(s3Action.KmsKeyArn).toBeUndefined();
    // Intake can decrypt what it reads from the bucket.
    const intakeKms = roleStatements(stateless, 'IntakeFunction').filter((st) =>
      actionsOf([st]).includes('kms:Decrypt'),
    );
    expect(intakeKms.length).toBeGreaterThan(0);
  });

  it('builds the table from createTableInput: on-demand, PITR, TTL expiresAt, gsi1, KMS, retained', () => {
    stateful.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: Match.anyValue() },
        GlobalSecondaryIndexes: [
          {
            IndexName: 'gsi1',
            KeySchema: [
              { AttributeName: 'gsi1pk', KeyType: 'HASH' },
              { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    });
    stateful.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('keeps a verification table apart: AWS-owned key, PITR, TTL, no index, retained', () => {
    const tables = Object.values(stateful.findResources('AWS::DynamoDB::Table')) as Json[];
    const verification = tables.filter((t) => t.Properties.TableName === verificationTableName(config.name));
    expect(verification).toHaveLength(1);
    const table = verification[0]!;
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
    expect(table.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      DeletionProtectionEnabled: true,
    });
    // SSEEnabled false is DynamoDB's encryption at rest under an AWS-owned key: no KMS key of the account,
    // so reading the table needs no kms permission. The registry table stays under the customer key.
    expect(table.Properties.SSESpecification).toEqual({ SSEEnabled: false });
    expect(table.Properties.GlobalSecondaryIndexes).toBeUndefined();
    const registry = tables.filter((t) => t.Properties.TableName === registryTableName(config.name));
    expect(registry[0]?.Properties.SSESpecification).toMatchObject({ SSEEnabled: true, SSEType: 'KMS' });
  });
});

describe('person key secret', () => {
  it('is generated, KMS-encrypted and retained, and reaches only the functions that key people', () => {
    stateful.hasResource('AWS::SecretsManager::Secret', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        Name: 'lingjun/person-key',
        GenerateSecretString: Match.objectLike({ PasswordLength: 48 }),
        KmsKeyId: Match.anyValue(),
      }),
    });
    const fns = stateless.toJSON().Resources as Record<string, Json>;
    const env = (prefix: string) =>
      Object.entries(fns).find(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith(prefix))![1]
        .Properties;
    for (const prefix of ['IntakeFunction', 'RemindersFunction', 'CourseEndFunction']) {
      const props = env(prefix);
      // A deploy-time dynamic reference: the value itself is never in the template.
      expect(props.Environment.Variables.LINGJUN_KEY_SECRET).toBe(
        '{{resolve:secretsmanager:lingjun/person-key:SecretString:::}}',
      );
      expect(props.KmsKeyArn).toBeDefined();
    }
    expect(env('VerifyFunction').Environment.Variables.LINGJUN_KEY_SECRET).toBeUndefined();
  });

  it('signs certificates with a key of their own, given to course-end only', () => {
    stateful.hasResource('AWS::SecretsManager::Secret', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ Name: 'lingjun/cert-key', KmsKeyId: Match.anyValue() }),
    });
    const fns = stateless.toJSON().Resources as Record<string, Json>;
    const vars = (prefix: string) =>
      Object.entries(fns).find(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith(prefix))![1]
        .Properties.Environment.Variables;
    const ref = '{{resolve:secretsmanager:lingjun/cert-key:SecretString:::}}';
    expect(vars('CourseEndFunction').LINGJUN_CERT_SECRET).toBe(ref);
    // Verify checks the code hashes course-end stores; it holds no secret at all.
    expect(vars('VerifyFunction').LINGJUN_CERT_SECRET).toBeUndefined();
    expect(vars('IntakeFunction').LINGJUN_CERT_SECRET).toBeUndefined();
    expect(JSON.stringify(vars('CourseEndFunction').LINGJUN_VERIFY_URL)).toMatch(/FunctionUrl/);
  });
});

describe('StatelessStack', () => {
  it('runs six arm64 functions on the one runtime constant (the newest Node LTS aws-cdk-lib offers) with tracing, environment and an on-failure DLQ', () => {
    stateless.resourceCountIs('AWS::Lambda::Function', 6);
    const fns = stateless.findResources('AWS::Lambda::Function');
    for (const fn of Object.values(fns) as Json[]) {
      expect(fn.Properties.Runtime).toBe(LAMBDA_RUNTIME.name);
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      expect(fn.Properties.Handler).toBe('index.handler');
      expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
      const env = fn.Properties.Environment.Variables;
      expect(Object.keys(env)).toEqual(
        expect.arrayContaining([
          'LINGJUN_TABLE',
          'LINGJUN_VERIFY_TABLE',
          'LINGJUN_BUCKET',
          'LINGJUN_MAILBOX',
          'LINGJUN_PROGRAM_FILE',
        ]),
      );
      expect(env.LINGJUN_MAILBOX).toBe(config.program.mailbox);
    }
    const configs = Object.values(stateless.findResources('AWS::Lambda::EventInvokeConfig')) as Json[];
    expect(configs).toHaveLength(6);
    for (const c of configs) {
      expect(c.Properties.MaximumRetryAttempts).toBe(2);
      const dest = c.Properties.DestinationConfig.OnFailure.Destination['Fn::GetAtt'];
      expect(dest[1]).toBe('Arn');
      expect(stateless.toJSON().Resources[dest[0]].Type).toBe('AWS::SQS::Queue');
    }
  });

  it('uses the newest Node.js LTS (even major) runtime that aws-cdk-lib offers', () => {
    const majors = Object.keys(lambda.Runtime)
      .map((k) => /^NODEJS_(\d+)_X$/.exec(k)?.[1])
      .filter((m): m is string => m !== undefined)
      .map(Number)
      .filter((m) => m % 2 === 0);
    expect(LAMBDA_RUNTIME.name).toBe(`nodejs${Math.max(...majors)}.x`);
  });

  it('ships each function as an esbuild asset (index.mjs, lazy chunks, program.json) that loads in Node', () => {
    const fns = Object.entries(stateless.findResources('AWS::Lambda::Function')) as [string, Json][];
    expect(fns).toHaveLength(6);
    for (const [id, fn] of fns) {
      const hash = String(fn.Properties.Code.S3Key).replace(/\.zip$/, '');
      const dir = join(outdir, `asset.${hash}`);
      const files = readdirSync(dir);
      expect(files).toEqual(expect.arrayContaining(['index.mjs', 'index.mjs.map', 'program.json']));
      expect(JSON.parse(readFileSync(join(dir, 'program.json'), 'utf8')).year).toBe(config.program.year);
      // A fresh node, as a cold Lambda: the entry and its static chunks resolve and export the handler.
      const res = spawnSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const m = await import(${JSON.stringify(pathToFileURL(join(dir, 'index.mjs')).href)}); process.stdout.write(typeof m.handler);`,
        ],
        { encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } },
      );
      expect(res.stderr).toBe('');
      expect(res.stdout).toBe('function');
      // Intake reaches the workbook writer and the spreadsheet and Word readers only through import().
      if (id.startsWith('Intake')) expect(readdirSync(join(dir, 'chunks')).length).toBeGreaterThan(0);
    }
    expect(fns.filter(([id]) => id.startsWith('Intake'))).toHaveLength(1);
  });

  it('encrypts every dead-letter queue, refuses plain HTTP, and alarms on the first message', () => {
    const queues = Object.values(stateless.findResources('AWS::SQS::Queue')) as Json[];
    expect(queues).toHaveLength(7); // six functions + scheduler delivery
    for (const q of queues) expect(q.Properties.SqsManagedSseEnabled).toBe(true);
    stateless.resourcePropertiesCountIs(
      'AWS::SQS::QueuePolicy',
      {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      },
      7,
    );
    stateless.resourcePropertiesCountIs(
      'AWS::CloudWatch::Alarm',
      {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Namespace: 'AWS/SQS',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^Alarms') }],
      },
      7,
    );
  });

  it('alarms on every function’s errors, throttles and duration near its timeout', () => {
    const alarms = Object.values(stateless.findResources('AWS::CloudWatch::Alarm')) as Json[];
    const fns = Object.entries(stateless.findResources('AWS::Lambda::Function')) as [string, Json][];
    for (const [id, fn] of fns) {
      const mine = alarms.filter(
        (a) =>
          a.Properties.Namespace === 'AWS/Lambda' &&
          a.Properties.Dimensions?.some((d: Json) => d.Value?.Ref === id),
      );
      const byMetric = Object.fromEntries(mine.map((a) => [a.Properties.MetricName, a.Properties]));
      expect(Object.keys(byMetric).sort()).toEqual(['Duration', 'Errors', 'Throttles']);
      expect(byMetric.Errors.Threshold).toBe(0);
      expect(byMetric.Throttles.Threshold).toBe(0);
      expect(byMetric.Duration.Threshold).toBe(fn.Properties.Timeout * 1000 * DURATION_ALARM_SHARE);
      for (const a of mine)
        expect(a.Properties.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^Alarms/) }]);
    }
  });

  it('sends every mail under a configuration set whose sends, bounces and complaints reach the bounces function', () => {
    const name = outboundConfigurationSetName(config.name);
    stateless.hasResourceProperties('AWS::SES::ConfigurationSet', { Name: name });
    stateless.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      ConfigurationSetName: Match.anyValue(),
      EventDestination: Match.objectLike({
        Enabled: true,
        MatchingEventTypes: ['send', 'bounce', 'complaint'],
        EventBridgeDestination: Match.anyValue(),
      }),
    });
    stateless.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.ses'],
        'detail-type': ['Email Sent', 'Email Bounced', 'Email Complaint Received'],
        detail: { mail: { tags: { 'ses:configuration-set': [name] } } },
      },
      Targets: [
        Match.objectLike({ Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^BouncesFunction'), 'Arn'] } }),
      ],
    });
    // The functions that send mail are told the set, and may send only under it and as the mailbox.
    const fns = Object.entries(stateless.findResources('AWS::Lambda::Function')) as [string, Json][];
    for (const prefix of ['IntakeFunction', 'RemindersFunction', 'CourseEndFunction']) {
      const [, fn] = fns.find(([id]) => id.startsWith(prefix))!;
      expect(fn.Properties.Environment.Variables.LINGJUN_SES_CONFIGURATION_SET).toBe(name);
      const send = roleStatements(stateless, prefix).find((st) => actionsOf([st]).includes('ses:SendEmail'));
      expect(JSON.stringify(send?.Resource)).toContain(`:configuration-set/${name}`);
    }
    // Bounces itself reads what a mail answered and writes bounce records and send evidence, nothing else.
    const statements = roleStatements(stateless, 'BouncesFunction');
    const table = statements.filter((st) => actionsOf([st]).some((a) => a.startsWith('dynamodb:')));
    expect(new Set(actionsOf(table))).toEqual(new Set(['dynamodb:GetItem', 'dynamodb:PutItem']));
    expect(table[0]?.Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['SENTMSG#*', 'Y#*#BOUNCE', 'SENTTAG#*'] },
    });
  });

  it('receives mail for the program mailbox: scan, then S3 inbound/, then intake (Event), then stop', () => {
    stateless.hasResourceProperties('AWS::SES::ReceiptRuleSet', { RuleSetName: config.receiptRuleSetName });
    const rules = Object.values(stateless.findResources('AWS::SES::ReceiptRule')) as Json[];
    expect(rules).toHaveLength(1);
    const rule = rules[0]!.Properties.Rule;
    expect(rule.Recipients).toEqual([config.program.mailbox]);
    expect(rule.ScanEnabled).toBe(true);
    expect(rule.Enabled).toBe(true);
    const actions = rule.Actions as Json[];
    expect(actions.map((a) => Object.keys(a)[0])).toEqual(['S3Action', 'LambdaAction', 'StopAction']);
    expect(actions[0]!.S3Action.ObjectKeyPrefix).toBe('inbound/');
    expect(actions[1]!.LambdaAction.InvocationType).toBe('Event');
    expect(actions[1]!.LambdaAction.FunctionArn['Fn::GetAtt'][0]).toMatch(/^IntakeFunction/);
    stateless.hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'ses.amazonaws.com',
      Action: 'lambda:InvokeFunction',
      SourceAccount: { Ref: 'AWS::AccountId' },
      FunctionName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^IntakeFunction'), 'Arn'] },
    });
  });

  it('schedules reminders at the program’s Beijing time, unshifted, with a window, retries and a DLQ', () => {
    const [hh, mm] = config.program.reminders.time.split(':');
    expect(config.program.timezone).toBe('Asia/Shanghai');
    stateless.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: `cron(${mm} ${hh} * * ? *)`,
      ScheduleExpressionTimezone: 'Asia/Shanghai',
      FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 5 },
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RemindersFunction'), 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 7200 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SchedulerDlq'), 'Arn'] } },
      }),
    });
    // The example program says 09:00 Beijing; a UTC conversion would have produced 01.
    expect(hh).toBe('09');
    // The function acts for the scheduled instant, so a retry does not shift the day it reminds for.
    stateless.hasResourceProperties('AWS::Scheduler::Schedule', {
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^RemindersFunction'), 'Arn'] },
        Input: JSON.stringify({ kind: 'reminders', scheduledTime: '<aws.scheduler.scheduled-time>' }),
      }),
    });
    stateless.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: dailyCron(config.courseEndTime),
      ScheduleExpressionTimezone: 'Asia/Shanghai',
      Target: Match.objectLike({
        Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^CourseEndFunction'), 'Arn'] },
      }),
    });
    expect(dailyCron('09:30')).toBe('cron(30 09 * * ? *)');
  });

  it('lets the scheduler role invoke only reminders and course-end', () => {
    const json = stateless.toJSON() as { Resources: Record<string, Json> };
    const policies = Object.values(json.Resources).filter(
      (r) =>
        r.Type === 'AWS::IAM::Policy' &&
        r.Properties.Roles.some((x: Json) => String(x.Ref).startsWith('SchedulerRole')),
    );
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement as Json[]);
    const invoke = statements.filter((s) => [s.Action].flat().includes('lambda:InvokeFunction'));
    const targets = JSON.stringify(invoke.map((s) => s.Resource));
    expect(targets).toMatch(/RemindersFunction/);
    expect(targets).toMatch(/CourseEndFunction/);
    expect(targets).not.toMatch(/IntakeFunction|VerifyFunction/);
    expect(new Set(actionsOf(statements))).toEqual(new Set(['lambda:InvokeFunction', 'sqs:SendMessage']));
  });

  it('gives verify a public Function URL that reads only certificate and rate-limit items', () => {
    stateless.hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'NONE',
      TargetFunctionArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^VerifyFunction'), 'Arn'] },
    });
    const statements = roleStatements(stateless, 'VerifyFunction');
    const actions = actionsOf(statements);
    const dynamo = actions.filter((a) => a.startsWith('dynamodb:'));
    expect(new Set(dynamo)).toEqual(new Set(['dynamodb:GetItem', 'dynamodb:UpdateItem']));
    // The verification table only, never the registry table (nor its indexes).
    const dynamoStatements = statements.filter((st) =>
      actionsOf([st]).some((a) => a.startsWith('dynamodb:')),
    );
    for (const st of dynamoStatements) {
      const resources = JSON.stringify(st.Resource);
      expect(resources).toContain(`:table/${verificationTableName(config.name)}`);
      expect(resources).not.toContain(registryTableName(config.name));
      expect(resources).not.toContain('/index/');
    }
    // Every table statement is confined by partition key: certificates and counters to read, counters to write.
    const leading = (action: string) =>
      statements.find((st) => actionsOf([st]).includes(action))?.Condition?.['ForAllValues:StringLike']?.[
        'dynamodb:LeadingKeys'
      ];
    expect(leading('dynamodb:GetItem')).toEqual(['CERT#*', 'RL#*']);
    expect(leading('dynamodb:UpdateItem')).toEqual(['RL#*']);
    for (const st of statements.filter((x) => actionsOf([x]).some((a) => a.startsWith('dynamodb:'))))
      expect(st.Condition).toBeDefined();
    // No KMS action at all, with or without conditions: the verification table is under an AWS-owned key.
    expect(actions.filter((a) => a.toLowerCase().startsWith('kms:'))).toEqual([]);
    expect(actions.some((a) => a === '*' || a.endsWith(':*'))).toBe(false);
    expect(
      actions.some((a) => ['dynamodb:Scan', 'dynamodb:Query', 'dynamodb:BatchGetItem'].includes(a)),
    ).toBe(false);
    expect(
      actions.some((a) => a.startsWith('s3:') || a.startsWith('ses:') || a.startsWith('secretsmanager:')),
    ).toBe(false);
    // Its environment is not encrypted with the data key (that would grant it kms:Decrypt directly).
    const verifyFn = Object.entries(stateless.findResources('AWS::Lambda::Function')).find(([id]) =>
      id.startsWith('VerifyFunction'),
    )![1] as Json;
    expect(verifyFn.Properties.KmsKeyArn).toBeUndefined();
    expect(verifyFn.Properties.ReservedConcurrentExecutions).toBe(DEFAULT_VERIFY_CONCURRENCY);
  });

  it('lets course-end publish certificates to the verification table, and no other function touch it', () => {
    const onVerification = (prefix: string) =>
      roleStatements(stateless, prefix).filter((st) =>
        JSON.stringify(st.Resource).includes(`:table/${verificationTableName(config.name)}`),
      );
    const publish = onVerification('CourseEndFunction');
    expect(actionsOf(publish)).toEqual(['dynamodb:UpdateItem']);
    expect(publish[0]?.Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['CERT#*'] },
    });
    for (const prefix of ['IntakeFunction', 'RemindersFunction', 'BouncesFunction', 'SweeperFunction'])
      expect(onVerification(prefix)).toEqual([]);
    // Every function is told the table's name; only course-end and verify may use it.
    const fns = Object.entries(stateless.findResources('AWS::Lambda::Function')) as [string, Json][];
    for (const [, fn] of fns)
      expect(fn.Properties.Environment.Variables.LINGJUN_VERIFY_TABLE).toBe(
        verificationTableName(config.name),
      );
  });

  it('turns verify’s reserved concurrency off with context verifyReservedConcurrency=off', async () => {
    expect(
      (await loadConfig((k) => (k === 'verifyReservedConcurrency' ? 'off' : undefined), root))
        .verifyReservedConcurrency,
    ).toBeUndefined();
    expect(
      (await loadConfig((k) => (k === 'verifyReservedConcurrency' ? '3' : undefined), root))
        .verifyReservedConcurrency,
    ).toBe(3);
    await expect(
      loadConfig((k) => (k === 'verifyReservedConcurrency' ? '-1' : undefined), root),
    ).rejects.toThrow(/verifyReservedConcurrency/);
  });

  it('lets intake read raw mail (not write it), use the table, and send only as the mailbox', () => {
    const statements = roleStatements(stateless, 'IntakeFunction');
    const inbound = statements.filter((s) => JSON.stringify(s.Resource).includes('/inbound/*'));
    expect(inbound.length).toBeGreaterThan(0);
    expect(actionsOf(inbound)).toContain('s3:GetObject*');
    expect(actionsOf(inbound).some((a) => a.startsWith('s3:Put') || a.startsWith('s3:Delete'))).toBe(false);
    expect(actionsOf(statements)).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:Query']));
    const send = statements.find((s) => [s.Action].flat().includes('ses:SendRawEmail'));
    expect(send?.Condition).toEqual({ StringEquals: { 'ses:FromAddress': config.program.mailbox } });
    expect(JSON.stringify(send?.Resource)).toContain(`:identity/${config.mailbox.split('@')[1]}`);
    // No function may touch every object in the bucket.
    for (const prefix of ['IntakeFunction', 'RemindersFunction', 'CourseEndFunction']) {
      const objectStatements = roleStatements(stateless, prefix).filter((s) =>
        [s.Action].flat().some((a: string) => a.startsWith('s3:') && a.includes('Object')),
      );
      for (const s of objectStatements) expect(JSON.stringify(s.Resource)).not.toMatch(/-data-[^"]*\/\*"/);
    }
  });
});

describe('stack outputs', () => {
  it('name the tables, bucket, region and verify URL that `lingjun --deployment` reads', () => {
    const outputs = stateless.toJSON().Outputs as Record<string, unknown>;
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining(['TableName', 'VerifyTableName', 'BucketName', 'Region', 'VerifyUrl']),
    );
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged errors or warnings for the app', () => {
    const nag = report.pluginReports.filter((p) => p.pluginName === 'AwsSolutions');
    expect(nag.flatMap((p) => p.violations.map((v) => `${v.ruleName} (${v.severity})`))).toEqual([]);
    // cdk-nag v3 reports through policy validation, not annotations; neither channel may carry a finding.
    for (const stack of [stacks.stateful, stacks.stateless]) {
      expect(Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual(
        [],
      );
      expect(
        Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*')),
      ).toEqual([]);
    }
  });

  it('does report a violation when a rule is broken (the check above is not vacuous)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lingjun-nag-'));
    try {
      const app = new App({ outdir: dir });
      const stack = new Stack(app, 'Bad');
      new s3.Bucket(stack, 'Open', { enforceSSL: true });
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
      expect(() => app.synth()).toThrow(/AwsSolutions-S1/);
      const bad = JSON.parse(await readFile(join(dir, 'validation-report.json'), 'utf8')) as Report;
      const rules = bad.pluginReports.flatMap((p) => p.violations.map((v) => v.ruleName));
      expect(rules).toContain('AwsSolutions-S1');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('loadConfig', () => {
  it('takes mailbox, admins and retention from context over the program file', async () => {
    const context: Record<string, unknown> = {
      mailbox: 'intake@example.org.cn',
      adminEmails: 'a@example.gov.cn, b@example.gov.cn',
      rawMailRetentionDays: '30',
    };
    const c = await loadConfig((k) => context[k], root);
    expect(c.mailbox).toBe('intake@example.org.cn');
    expect(c.domain).toBe('example.org.cn');
    expect(c.adminEmails).toEqual(['a@example.gov.cn', 'b@example.gov.cn']);
    expect(c.rawMailRetentionDays).toBe(30);
    const program = await loadProgram(join(root, 'examples/program-2025.json'));
    expect(c.program.classes).toHaveLength(program.classes.length);
  });

  it('maps stack traces through source maps only when context sourceMaps is true', async () => {
    expect((await loadConfig(() => undefined, root)).sourceMaps).toBe(false);
    expect((await loadConfig((k) => (k === 'sourceMaps' ? 'true' : undefined), root)).sourceMaps).toBe(true);
    await expect(loadConfig((k) => (k === 'sourceMaps' ? 'yes' : undefined), root)).rejects.toThrow(
      /sourceMaps/,
    );
    // The default deployment: no function pays for reading source maps at cold start.
    for (const fn of Object.values(stateless.findResources('AWS::Lambda::Function')) as Json[]) {
      expect(fn.Properties.Environment.Variables.NODE_OPTIONS).toBeUndefined();
    }
  });

  it('refuses a bad context value with the key named', async () => {
    await expect(loadConfig((k) => (k === 'courseEndTime' ? '25:00' : undefined), root)).rejects.toThrow(
      /courseEndTime/,
    );
  });
});
