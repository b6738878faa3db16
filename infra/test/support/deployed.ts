/**
 * Runs what `cdk synth` would deploy, the way Lambda runs it: each function's asset folder stands in for
 * /var/task, its entry is loaded by a fresh `node` with the environment the template gives that function
 * (endpoints pointed at the shared local stack, deploy-time values supplied), and its handler gets the event
 * its trigger sends. Shared by the asset tests of each stack configuration.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AwsConfig } from '@lingjun/aws';
import { App } from 'aws-cdk-lib';
import { simpleParser } from 'mailparser';
import { localStackInfo } from '../../../test/setup/aws.ts';
import { buildLingjun } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';

const root = resolve(import.meta.dirname, '../../..');
const cdkJson = JSON.parse(readFileSync(join(root, 'cdk.json'), 'utf8')) as {
  context: Record<string, unknown>;
};

// biome-ignore lint/suspicious/noExplicitAny: synthesized CloudFormation JSON is walked ad hoc.
export type Json = Record<string, any>;

/** One function as the template deploys it. */
export interface Deployed {
  logicalId: string;
  assetDir: string;
  handler: string;
  memorySize: number;
  environment: Record<string, unknown>;
  timeoutSeconds: number;
}

/** What a function run returned, what it printed, and its peak resident memory. */
export interface Run {
  result: unknown;
  stdout: string;
  maxRssKb: number;
}

/** A synthesized app in a temporary folder, its functions by name, and a way to run each. */
export interface DeployedApp {
  functions: Map<string, Deployed>;
  /** The template's environment for a function, made runnable here (see `runtimeEnv`). */
  env(name: string): Record<string, string>;
  invoke(name: string, event: unknown): Promise<Run>;
  dispose(): Promise<void>;
}

// The functions' logical id prefixes, and the names the tests call them by.
const NAMES: [prefix: string, name: string][] = [
  ['IntakeFunction', 'Intake'],
  ['RemindersFunction', 'Reminders'],
  ['CourseEndFunction', 'CourseEnd'],
  ['VerifyFunction', 'Verify'],
  ['BouncesFunction', 'Bounces'],
  ['SweeperFunction', 'Sweeper'],
  ['MailboxImapPoll', 'ImapPoll'],
];

// Loads the entry as Lambda's Node runtime does (an ES module by file URL), calls the named export with the
// event and a context that counts down from the function's timeout, and prints what it returned after a
// marker, so log lines before it do not confuse the parse.
const RUNNER = `
const [entry, name, event, timeoutSeconds] = process.argv.slice(2);
const mod = await import(entry);
const deadline = Date.now() + Number(timeoutSeconds) * 1000;
const context = { getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) };
const out = await mod[name](JSON.parse(event), context);
process.stdout.write('\\n@@RESULT ' + JSON.stringify(out ?? null) + '\\n');
process.stdout.write('@@MAXRSS ' + process.resourceUsage().maxRSS + '\\n');
`;

/**
 * Synthesizes the app with cdk.json's context plus `context` into a temporary folder and reads the stateless
 * stack's functions. `supplied` gives the values CloudFormation fills in at deploy time (secrets, URLs); a
 * deploy-time variable without one fails the run, so a new variable cannot go untried. `local` is the table and
 * bucket the functions use instead of the deployed ones.
 */
export async function synthesizeDeployed(opts: {
  context?: Record<string, unknown>;
  supplied: Record<string, string | null>;
  /** Variables a function gets in place of a deploy-time one it was told to leave out, by function name. */
  added?: Record<string, Record<string, string>>;
  local: AwsConfig;
}): Promise<DeployedApp> {
  const outdir = await mkdtemp(join(tmpdir(), 'lingjun-assets-'));
  try {
    const runner = join(outdir, 'run.mjs');
    await writeFile(runner, RUNNER);
    const app = new App({
      outdir: join(outdir, 'cdk.out'),
      context: { ...cdkJson.context, ...opts.context },
    });
    const config = await loadConfig((k) => app.node.tryGetContext(k), root);
    const { stateless } = buildLingjun(app, config);
    const assembly = app.synth();
    const template = assembly.getStackArtifact(stateless.artifactId).template as {
      Resources: Record<string, Json>;
    };
    const functions = new Map<string, Deployed>();
    for (const [logicalId, r] of Object.entries(template.Resources)) {
      if (r.Type !== 'AWS::Lambda::Function') continue;
      const name = NAMES.find(([prefix]) => logicalId.startsWith(prefix))?.[1];
      if (!name) throw new Error(`unexpected function ${logicalId}`);
      const hash = String(r.Properties.Code.S3Key).replace(/\.zip$/, '');
      functions.set(name, {
        logicalId,
        assetDir: join(assembly.directory, `asset.${hash}`),
        handler: r.Properties.Handler,
        memorySize: r.Properties.MemorySize,
        timeoutSeconds: Number(r.Properties.Timeout ?? 3),
        environment: r.Properties.Environment.Variables,
      });
    }
    const fnOf = (name: string) => {
      const fn = functions.get(name);
      if (!fn) throw new Error(`no function ${name} in the template`);
      return fn;
    };
    return {
      functions,
      env: (name) => runtimeEnv(fnOf(name), opts.local, opts.supplied, opts.added?.[name]),
      invoke: (name, event) =>
        invoke(
          runner,
          name,
          fnOf(name),
          runtimeEnv(fnOf(name), opts.local, opts.supplied, opts.added?.[name]),
          event,
        ),
      dispose: () => rm(outdir, { recursive: true, force: true }),
    };
  } catch (error) {
    await rm(outdir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * The template's environment for a function, made runnable here: /var/task becomes the asset folder, the
 * tables and bucket are the local ones, deploy-time values are supplied (a supplied `null` leaves the variable
 * out, for one whose local counterpart is `added` under another name), and the endpoint variables point the
 * SDK clients at the local stack.
 */
function runtimeEnv(
  fn: Deployed,
  local: AwsConfig,
  supplied: Record<string, string | null>,
  added: Record<string, string> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(fn.environment)) {
    if (key === 'LINGJUN_TABLE') env[key] = local.tableName;
    else if (key === 'LINGJUN_VERIFY_TABLE') env[key] = local.verifyTableName;
    else if (key === 'LINGJUN_BUCKET') env[key] = local.bucketName;
    else if (typeof value === 'string' && !value.startsWith('{{resolve:'))
      env[key] = value.replaceAll('/var/task', fn.assetDir);
    else if (supplied[key] === null) continue;
    else if (supplied[key] !== undefined) env[key] = supplied[key];
    else throw new Error(`${fn.logicalId}: no local value for deploy-time variable ${key}`);
  }
  return {
    ...env,
    ...added,
    PATH: process.env.PATH ?? '',
    AWS_REGION: local.region,
    AWS_LAMBDA_FUNCTION_NAME: `lingjun-${fn.logicalId}`,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    LINGJUN_DYNAMODB_ENDPOINT: local.endpoints?.dynamodb ?? '',
    LINGJUN_S3_ENDPOINT: local.endpoints?.s3 ?? '',
    LINGJUN_SES_ENDPOINT: local.endpoints?.ses ?? '',
  };
}

/** Invokes a deployed function's handler with an event in a fresh node whose working folder is the asset. */
function invoke(
  runner: string,
  name: string,
  fn: Deployed,
  env: Record<string, string>,
  event: unknown,
): Promise<Run> {
  const [file, exported] = fn.handler.split('.') as [string, string];
  const entry = pathToFileURL(join(fn.assetDir, `${file}.mjs`)).href;
  return new Promise((done, fail) => {
    execFile(
      process.execPath,
      [runner, entry, exported, JSON.stringify(event), String(fn.timeoutSeconds)],
      { cwd: fn.assetDir, env, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
      (error, stdout, stderr) => {
        if (error) {
          fail(new Error(`${name} failed: ${error.message}\n${stderr}\n${stdout}`));
          return;
        }
        const result = stdout.match(/^@@RESULT (.*)$/m)?.[1];
        const rss = stdout.match(/^@@MAXRSS (\d+)$/m)?.[1];
        if (result === undefined) {
          fail(new Error(`${name} printed no result:\n${stdout}\n${stderr}`));
          return;
        }
        done({ result: JSON.parse(result), stdout, maxRssKb: Number(rss) });
      },
    );
  });
}

/** Mails in an outbox folder (by default the local SES one) that satisfy `filter`. */
export async function outbox(
  filter: (mail: Awaited<ReturnType<typeof simpleParser>>) => boolean,
  dir = localStackInfo().outboxDir,
) {
  const found = [];
  for (const name of await readdir(dir)) {
    if (!name.endsWith('.eml')) continue;
    const mail = await simpleParser(await readFile(join(dir, name)), {
      skipHtmlToText: true,
      skipTextToHtml: true,
    });
    if (filter(mail)) found.push(mail);
  }
  return found;
}
