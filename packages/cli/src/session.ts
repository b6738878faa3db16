import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type AwsConfig, programVersions } from '@lingjun/aws';
import { type Clock, REAL_CLOCK } from '@lingjun/local';
import { currentProgram, type Program, type PublishedProgram } from '@lingjun/program';
import { DEFAULT_STATE, ExitError, programFrom, withStackProgress } from './common.ts';

/** What a command works against: a deployed stack (named by its outputs file) or the local stack. */
export interface Session {
  config: AwsConfig;
  /** The stack's current published program (the --program file only seeds a stack that has none). */
  published: PublishedProgram;
  program: Program;
  /** The local SES outbox folder; undefined for a deployment. */
  outboxDir?: string;
  /** Where the command acts, for messages: `部署 deploy.json` or `本地 .lingjun`. */
  target: string;
  /** The stack's verification page (the deployment's VerifyUrl output, or the running local stack's). */
  verifyUrl?: string;
  /** The stack's clock: a running `lingjun start --clock` lends its rehearsal time; a deployment runs on real time. */
  clock: Clock;
}

/** Options every stack command takes. */
export interface SessionOptions {
  program?: string | undefined;
  state?: string | undefined;
  deployment?: string | undefined;
}

/** Output keys the stacks write (cdk deploy --outputs-file), and the local stack's own. */
const OUTPUT_KEYS = {
  table: 'TableName',
  verifyTable: 'VerifyTableName',
  bucket: 'BucketName',
  region: 'Region',
  verifyUrl: 'VerifyUrl',
  dynamodb: 'LocalDynamoDbEndpoint',
  s3: 'LocalS3Endpoint',
  ses: 'LocalSesEndpoint',
} as const;

/** The stack name the local stack's outputs file uses. */
export const LOCAL_OUTPUTS_STACK = 'LingjunLocal';

/**
 * Reads a `cdk deploy --outputs-file` file (stack name → output key → value) into a configuration. Outputs of
 * all stacks in the file are merged; credentials come from the environment's AWS credential chain, except for
 * a local stack's file, whose endpoints accept the local pair.
 */
export function configFromOutputs(
  outputs: Record<string, Record<string, string>>,
  file: string,
): AwsConfig & {
  verifyUrl?: string;
} {
  const all: Record<string, string> = Object.assign({}, ...Object.values(outputs));
  const find = (key: string) => all[key] ?? Object.entries(all).find(([k]) => k.startsWith(key))?.[1];
  const tableName = find(OUTPUT_KEYS.table);
  const verifyTableName = find(OUTPUT_KEYS.verifyTable);
  const bucketName = find(OUTPUT_KEYS.bucket);
  if (!tableName || !verifyTableName || !bucketName)
    throw new ExitError(
      `部署输出文件 ${file} 缺少 ${OUTPUT_KEYS.table}、${OUTPUT_KEYS.verifyTable} 或 ${OUTPUT_KEYS.bucket}（请用 cdk deploy --outputs-file 生成）`,
    );
  const endpoints = {
    ...(find(OUTPUT_KEYS.dynamodb) ? { dynamodb: find(OUTPUT_KEYS.dynamodb) as string } : {}),
    ...(find(OUTPUT_KEYS.s3) ? { s3: find(OUTPUT_KEYS.s3) as string } : {}),
    ...(find(OUTPUT_KEYS.ses) ? { ses: find(OUTPUT_KEYS.ses) as string } : {}),
  };
  const local = Object.keys(endpoints).length > 0;
  const verifyUrl = find(OUTPUT_KEYS.verifyUrl);
  return {
    region: find(OUTPUT_KEYS.region) ?? process.env.AWS_REGION ?? 'cn-north-1',
    tableName,
    verifyTableName,
    bucketName,
    ...(local ? { endpoints, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } } : {}),
    ...(verifyUrl ? { verifyUrl } : {}),
  };
}

/** Writes the local stack's outputs file in the shape `cdk deploy --outputs-file` writes. */
export async function writeLocalOutputs(
  file: string,
  config: AwsConfig,
  extra: { verifyUrl?: string } = {},
): Promise<void> {
  const outputs: Record<string, string> = {
    [OUTPUT_KEYS.table]: config.tableName,
    [OUTPUT_KEYS.verifyTable]: config.verifyTableName,
    [OUTPUT_KEYS.bucket]: config.bucketName,
    [OUTPUT_KEYS.region]: config.region,
    ...(config.endpoints?.dynamodb ? { [OUTPUT_KEYS.dynamodb]: config.endpoints.dynamodb } : {}),
    ...(config.endpoints?.s3 ? { [OUTPUT_KEYS.s3]: config.endpoints.s3 } : {}),
    ...(config.endpoints?.ses ? { [OUTPUT_KEYS.ses]: config.endpoints.ses } : {}),
    ...(extra.verifyUrl ? { [OUTPUT_KEYS.verifyUrl]: extra.verifyUrl } : {}),
  };
  await writeFile(file, `${JSON.stringify({ [LOCAL_OUTPUTS_STACK]: outputs }, null, 2)}\n`);
}

/** Reads an outputs file, or explains in Chinese why it cannot. */
export async function readOutputs(file: string): Promise<ReturnType<typeof configFromOutputs>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new ExitError(`找不到部署输出文件：${file}`, 1);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new ExitError(`部署输出文件不是有效的 JSON：${file}`, 1);
  }
  if (!data || typeof data !== 'object') throw new ExitError(`部署输出文件格式不对：${file}`, 1);
  return configFromOutputs(data as Record<string, Record<string, string>>, file);
}

/**
 * Runs `fn` against the stack the options name: `--deployment FILE` (a deployed stack's outputs), otherwise the
 * local stack of the state folder (the running `lingjun start`, or an embedded one for this command). The
 * program is the stack's current published version; `--program` seeds a stack that has none.
 */
export async function withSession<T>(
  values: SessionOptions,
  fn: (session: Session) => Promise<T>,
): Promise<T> {
  if (values.deployment) {
    const file = resolve(values.deployment);
    const config = await readOutputs(file);
    // A deployment seeds itself from its bundled program; the example file must never become a real season's.
    const published = await currentProgram(programVersions(config), async () => {
      if (!values.program)
        throw new ExitError(
          `${values.deployment} 的部署还没有发布程序：请先运行 lingjun program publish 文件 --deployment ${values.deployment}`,
          1,
        );
      return programFrom(values.program);
    });
    return fn({
      config,
      published,
      program: published.program,
      target: `部署 ${values.deployment}`,
      clock: REAL_CLOCK,
      ...(config.verifyUrl ? { verifyUrl: config.verifyUrl } : {}),
    });
  }
  const seed = await programFrom(values.program);
  const stateDir = resolve(values.state ?? DEFAULT_STATE);
  return withStackProgress({ program: seed, stateDir }, async ({ config, outboxDir, verifyUrl, clock }) => {
    const published = await currentProgram(programVersions(config), async () => seed);
    return fn({
      config,
      published,
      program: published.program,
      outboxDir,
      target: `本地 ${stateDir}`,
      clock,
      ...(verifyUrl ? { verifyUrl } : {}),
    });
  });
}

/** The outputs file `lingjun start` writes for its state folder, so `--deployment` can name the local stack. */
export function localOutputsFile(stateDir: string): string {
  return join(resolve(stateDir), 'outputs.json');
}
