import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { AssetHashType, Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as destinations from 'aws-cdk-lib/aws-lambda-destinations';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { BUNDLE_OPTIONS, buildFunction } from './bundling.ts';

/**
 * The one Lambda runtime of every lingjun function: the newest Node.js LTS aws-cdk-lib offers. The bundles
 * target Node 20 (BUNDLE_OPTIONS.target), so the same code also runs on developers' machines.
 */
export const LAMBDA_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** Where the program file sits inside every bundle (Lambda unpacks code to /var/task). */
export const PROGRAM_FILE_IN_BUNDLE = '/var/task/program.json';

export interface LingjunFunctionProps {
  /** Directory name under functions/ (intake, reminders, course-end, verify). */
  name: string;
  description: string;
  root: string;
  programFile: string;
  environment: Record<string, string>;
  logRetention: logs.RetentionDays;
  alarmTopic: sns.ITopic;
  memorySize?: number;
  timeout?: Duration;
  reservedConcurrentExecutions?: number;
  /** Encrypts the environment (it carries the person-key secret) with this key instead of Lambda's own. */
  environmentKey?: kms.IKey;
  /** Map stack traces through the shipped source maps (LingjunConfig.sourceMaps). */
  sourceMaps?: boolean;
}

/** A queue that only ever receives failures, so any message in it is worth an alarm. */
export function deadLetterQueue(scope: Construct, id: string, topic: sns.ITopic, what: string): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason: 'This queue is itself a dead-letter queue; failures stop here and raise an alarm.',
  });
  const alarm = queue
    .metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' })
    .createAlarm(scope, `${id}Alarm`, {
      alarmDescription: `${what} failed: messages are waiting in its dead-letter queue`,
      threshold: 0,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  alarm.addAlarmAction(new cwActions.SnsAction(topic));
  return queue;
}

const DEFAULT_TIMEOUT = Duration.minutes(1);

/** Share of the timeout at which a run counts as dangerously slow: the next larger email may not finish. */
export const DURATION_ALARM_SHARE = 0.8;

/**
 * The alarms an operator needs for one function: any error, any throttle (a cap reached, or the account's
 * concurrency spent), and a run taking DURATION_ALARM_SHARE of its timeout. Five-minute periods; missing
 * data (no invocations) is fine.
 */
export function functionAlarms(
  scope: Construct,
  fn: lambda.Function,
  topic: sns.ITopic,
  name: string,
  timeout: Duration,
): cloudwatch.Alarm[] {
  const period = Duration.minutes(5);
  const limitMs = timeout.toMilliseconds() * DURATION_ALARM_SHARE;
  const specs = [
    {
      id: 'ErrorsAlarm',
      metric: fn.metricErrors({ period, statistic: 'Sum' }),
      threshold: 0,
      what: `lingjun ${name} failed (errors in the last 5 minutes; see its log group)`,
    },
    {
      id: 'ThrottlesAlarm',
      metric: fn.metricThrottles({ period, statistic: 'Sum' }),
      threshold: 0,
      what: `lingjun ${name} was throttled (concurrency exhausted or capped)`,
    },
    {
      id: 'DurationAlarm',
      metric: fn.metricDuration({ period, statistic: 'Maximum' }),
      threshold: limitMs,
      what: `lingjun ${name} ran for over ${Math.round(DURATION_ALARM_SHARE * 100)}% of its ${timeout.toSeconds()} s timeout`,
    },
  ];
  return specs.map((spec) => {
    const alarm = spec.metric.createAlarm(scope, spec.id, {
      alarmDescription: spec.what,
      threshold: spec.threshold,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new cwActions.SnsAction(topic));
    return alarm;
  });
}

/**
 * A function's code: its handler bundled by buildFunction into the asset folder, with the program file beside
 * it. Bundling runs locally in this process; the Docker image named below is never pulled, because the local
 * hook either succeeds or throws.
 */
export function functionCode(root: string, name: string, programFile: string): lambda.Code {
  const entry = join('functions', name, 'src', 'handler.ts');
  // The function's own folder as the asset's source: CDK caches staged assets by source path and the
  // serialisable options, not by the local hook (a function), so one shared source path (the repository root)
  // made every function's asset the first one bundled. esbuild still resolves from the root.
  return lambda.Code.fromAsset(join(root, 'functions', name), {
    // Hash what is deployed, not the source folder: the bundle reaches into packages/ and node_modules.
    assetHashType: AssetHashType.OUTPUT,
    bundling: {
      image: LAMBDA_RUNTIME.bundlingImage,
      local: {
        tryBundle(outputDir: string): boolean {
          buildFunction(root, entry, outputDir);
          // The program is data, not code: it travels with the bundle so a redeploy picks up an import.
          copyFileSync(programFile, join(outputDir, 'program.json'));
          return true;
        },
      },
    },
  });
}

/**
 * The one way a lingjun Lambda is built, so every function gets the same runtime, architecture, logging,
 * tracing and failure handling: bundled locally with esbuild (never Docker), ESM, LAMBDA_RUNTIME on arm64,
 * the program file shipped inside the bundle, and failed async invocations sent to an alarmed DLQ.
 */
export class LingjunFunction extends Construct {
  readonly fn: lambda.Function;
  readonly deadLetterQueue: sqs.Queue;
  readonly logGroup: logs.LogGroup;
  /** Errors, throttles and duration near the timeout, each notifying the alarm topic. */
  readonly alarms: cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: LingjunFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention });
    this.deadLetterQueue = deadLetterQueue(this, 'Dlq', props.alarmTopic, `lingjun ${props.name}`);

    this.fn = new lambda.Function(this, 'Function', {
      description: props.description,
      code: functionCode(props.root, props.name, props.programFile),
      handler: BUNDLE_OPTIONS.handler,
      runtime: LAMBDA_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? DEFAULT_TIMEOUT,
      logGroup: this.logGroup,
      tracing: lambda.Tracing.ACTIVE,
      ...(props.environmentKey ? { environmentEncryption: props.environmentKey } : {}),
      ...(props.reservedConcurrentExecutions !== undefined
        ? { reservedConcurrentExecutions: props.reservedConcurrentExecutions }
        : {}),
      environment: {
        ...props.environment,
        LINGJUN_PROGRAM_FILE: PROGRAM_FILE_IN_BUNDLE,
        ...(props.sourceMaps ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
      },
      // Async sources (SES, Scheduler) retry twice; after that the event is kept in the DLQ, not lost.
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
      onFailure: new destinations.SqsDestination(this.deadLetterQueue),
    });

    this.alarms = functionAlarms(
      this,
      this.fn,
      props.alarmTopic,
      props.name,
      props.timeout ?? DEFAULT_TIMEOUT,
    );

    Validations.of(this.fn).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        'AWSLambdaBasicExecutionRole allows logs:CreateLogGroup, CreateLogStream and PutLogEvents on every ' +
        'log group of the account (Resource *); it grants no read and nothing beyond CloudWatch Logs.',
    });
    Validations.of(this.fn).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray PutTraceSegments/PutTelemetryRecords do not support resource-level permissions.',
    });
  }
}
