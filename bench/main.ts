/**
 * `npm run bench`: every stage runs in a fresh node process (bin/bench.mjs --case …), one after another so
 * no two stages share the two cores; candidates inside a stage are interleaved (bench/measure.ts). The
 * orchestrator generates fixtures, builds the bundles the CDK would build, starts one local stack for the
 * stages that need AWS services (and always stops it), then prints a table and writes bench/report.md, or
 * with --json prints the figures as the last line. It exits 1 when a budget is missed or not measured.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AwsConfig } from '@lingjun/aws';
import { setLogSink } from '@lingjun/core';
import { parseProgram } from '@lingjun/program';
import { type BuiltBundle, bundleEntry, FUNCTIONS } from './bundle.ts';
import type { BurstResult } from './cases/burst.ts';
import type { Burst10xResult } from './cases/burst10x.ts';
import type { RssResult } from './cases/rss.ts';
import { burst10xFixtures, type Fixtures, fixtures } from './fixtures.ts';
import { minRatioToFloor } from './floors.ts';
import { type Row, ratio, ratioStability } from './measure.ts';
import { BUDGETS, type Figures, misses, renderMarkdown, renderTable } from './report.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const STAGES = ['intake', 'xlsx', 'certificates', 'init', 'e2e', 'rss', 'burst', 'burst10x'] as const;
/** Stages that need the local stack (DynamoDB Local, s3rver, SES). */
const NEEDS_STACK = new Set<string>(['e2e', 'rss', 'burst', 'burst10x']);
type Stage = (typeof STAGES)[number];

/** What a case process writes to its result file. */
export interface CaseResult {
  rows: Row[];
  extra?: Record<string, unknown>;
  /** Peak RSS of the case process, MiB. */
  peak_rss_mb: number;
  /** Set when the stage could not be measured (and why). */
  skipped?: string;
}

const say = (s: string) => process.stderr.write(`${s}\n`);

/** Entry of bin/bench.mjs: the orchestrator, or one case when called with --case. */
export async function main(argv: string[]): Promise<number> {
  const caseIdx = argv.indexOf('--case');
  if (caseIdx >= 0) return runCase(argv[caseIdx + 1] as Stage, argv[caseIdx + 2] ?? '');
  const json = argv.includes('--json');
  // A few rounds per candidate: checks that stages run end to end; its figures are not for budgets.
  if (argv.includes('--quick')) process.env.LINGJUN_BENCH_QUICK = '1';
  const only = argv
    .find((a) => a.startsWith('--only='))
    ?.slice(7)
    .split(',') as Stage[] | undefined;
  const stages = STAGES.filter((s) => !only || only.includes(s));
  const started = Date.now();
  const work = await mkdtemp(join(tmpdir(), 'lingjun-bench-'));
  let stack: { stop(): Promise<void>; config: AwsConfig } | undefined;
  const stopStack = async () => {
    const s = stack;
    stack = undefined;
    if (s) await s.stop();
  };
  const onSignal = () => {
    void stopStack().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    say('bench: fixtures');
    const fx = await fixtures(say);
    if (stages.includes('burst10x')) {
      const { burst10xRegions } = await import('./cases/burst10x.ts');
      fx.burst10x = await burst10xFixtures(
        fx,
        burst10xRegions(Boolean(process.env.LINGJUN_BENCH_QUICK)),
        say,
      );
    }
    say('bench: bundles (esbuild, CDK options)');
    const bundles: Record<string, BuiltBundle> = {};
    for (const [key, dir] of Object.entries(FUNCTIONS)) {
      bundles[key] = await bundleEntry(
        ROOT,
        join('functions', dir, 'src', 'handler.ts'),
        join(work, 'bundles', dir),
      );
    }
    const emptySrc = join(work, 'empty-handler.ts');
    const { writeEmptyHandler } = await import('./cases/init.ts');
    await writeEmptyHandler(emptySrc);
    const empty = await bundleEntry(ROOT, emptySrc, join(work, 'bundles', 'empty'));

    const results: Partial<Record<Stage, CaseResult>> = {};
    const ctx = {
      fixtures: fx,
      bundles: { intake: bundles.intake!.file, empty: empty.file },
      config: undefined as AwsConfig | undefined,
    };
    for (const stage of stages) {
      if (NEEDS_STACK.has(stage) && !stack) {
        say('bench: starting the local stack (DynamoDB Local, s3rver, SES)');
        const { startLocalStack } = await import('../packages/local/src/stack.ts');
        const program = parseProgram(JSON.parse(await readFile(fx.burstProgram, 'utf8')));
        stack = await startLocalStack({ program });
        ctx.config = stack.config;
      }
      say(`bench: ${stage}`);
      results[stage] = await spawnCase(stage, ctx, work);
    }
    await stopStack();

    const figures = computeFigures(results, bundles);
    figures.runtime_s = Math.round((Date.now() - started) / 1000);
    const allRows = STAGES.flatMap((s) => results[s]?.rows ?? []);
    const caseRss = Object.fromEntries(STAGES.map((s) => [s, results[s]?.peak_rss_mb ?? null]));
    const md = renderMarkdown(figures, allRows, bundles, caseRss, results);
    await mkdir(join(ROOT, 'bench'), { recursive: true });
    await writeFile(join(ROOT, 'bench', 'report.md'), md);
    const missed = misses(figures, stages);
    if (json) {
      const quick = Boolean(process.env.LINGJUN_BENCH_QUICK);
      process.stdout.write(
        `${JSON.stringify({ ...figures, budgets: BUDGETS, missed, ...(quick ? { quick } : {}) })}\n`,
      );
    } else {
      process.stdout.write(renderTable(figures, allRows, missed));
      process.stdout.write(`\nReport written to bench/report.md\n`);
    }
    return missed.length > 0 ? 1 : 0;
  } finally {
    await stopStack();
    await rm(work, { recursive: true, force: true });
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function spawnCase(
  stage: Stage,
  ctx: { fixtures: Fixtures; bundles: { intake: string; empty: string }; config: AwsConfig | undefined },
  work: string,
): Promise<CaseResult> {
  const out = join(work, `${stage}.json`);
  const input = join(work, `${stage}.input.json`);
  await writeFile(input, JSON.stringify({ ...ctx, out }));
  const child = spawn(
    process.execPath,
    ['--expose-gc', join(ROOT, 'bin', 'bench.mjs'), '--case', stage, input],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    },
  );
  const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
  if (code !== 0) {
    return { rows: [], peak_rss_mb: 0, skipped: `case process exited ${code}` };
  }
  return JSON.parse(await readFile(out, 'utf8')) as CaseResult;
}

/** Runs one stage inside this (fresh) process and writes its result file. */
async function runCase(stage: Stage, inputFile: string): Promise<number> {
  setLogSink({ write: () => {} });
  const ctx = JSON.parse(await readFile(inputFile, 'utf8')) as {
    fixtures: Fixtures;
    bundles: { intake: string; empty: string };
    config?: AwsConfig;
    out: string;
  };
  let result: Omit<CaseResult, 'peak_rss_mb'>;
  switch (stage) {
    case 'intake':
      result = { rows: await (await import('./cases/intake.ts')).runIntake(ctx.fixtures) };
      break;
    case 'xlsx':
      result = { rows: await (await import('./cases/xlsx.ts')).runXlsx(ctx.fixtures) };
      break;
    case 'init':
      result = { rows: await (await import('./cases/init.ts')).runInit(ctx.bundles) };
      break;
    case 'certificates':
      result = await (await import('./cases/certificates.ts')).runCertificates();
      break;
    case 'e2e': {
      if (!ctx.config) throw new Error('e2e needs the local stack');
      const { rows, ...e2e } = await (await import('./cases/e2e.ts')).runE2e(ctx.fixtures, ctx.config);
      const { smokeBundle } = await import('./cases/smoke.ts');
      const smoke = await smokeBundle(ctx.bundles.intake, ctx.fixtures.samples, ctx.config);
      result = { rows, extra: { ...e2e, bundle_smoke: smoke } };
      break;
    }
    case 'rss': {
      if (!ctx.config) throw new Error('rss needs the local stack');
      const rss = await (await import('./cases/rss.ts')).runRss(ctx.fixtures, ctx.bundles.intake, ctx.config);
      result = { rows: [], extra: { rss } };
      break;
    }
    case 'burst10x': {
      if (!ctx.config) throw new Error('burst10x needs the local stack');
      const { runBurst10x } = await import('./cases/burst10x.ts');
      const b = await runBurst10x(ctx.fixtures.burst10xProgram, ctx.fixtures.burst10x, ctx.config);
      result = { rows: [], extra: { burst10x: b } };
      break;
    }
    case 'burst': {
      if (!ctx.config) throw new Error('burst needs the local stack');
      const burst = await (await import('./cases/burst.ts')).runBurst(ctx.fixtures, ctx.config);
      result = { rows: [], extra: { burst } };
      break;
    }
    default:
      throw new Error(`unknown case ${stage}`);
  }
  const peak = Math.round(process.resourceUsage().maxRSS / 1024);
  await writeFile(ctx.out, JSON.stringify({ ...result, peak_rss_mb: peak }));
  return 0;
}

function med(rows: Row[], stage: string, fixture: string, candidate: string): number | undefined {
  const r = rows.find((x) => x.stage === stage && x.fixture === fixture && x.candidate === candidate);
  return r && !r.excluded && r.runs > 0 ? r.median_ms : undefined;
}

function worst(values: (number | null)[]): number | null {
  if (values.some((v) => v === null)) return null;
  return Math.max(...(values as number[]));
}

/** The project candidate and the floor candidate of each stage whose ratio is a ratio to a floor. */
const FLOOR_PAIRS: Record<string, [string, string]> = {
  intake: ['pipeline', 'floor'],
  xlsx: ['project', 'floor'],
  legacy: ['project', 'floor'],
  certificates: ['fillCertificate', 'floor'],
  e2e: ['ingest', 'io-floor'],
};

/** Every ratio to a floor measured in this run ("stage:fixture"), with the difference of its two halves. */
export function floorRatios(rows: Row[]): {
  ratios: Record<string, number | null>;
  diffs: Record<string, number | null>;
} {
  const ratios: Record<string, number | null> = {};
  const diffs: Record<string, number | null> = {};
  for (const [stage, [own, floor]] of Object.entries(FLOOR_PAIRS)) {
    for (const p of rows.filter((r) => r.stage === stage && r.candidate === own)) {
      const f = rows.find((r) => r.stage === stage && r.fixture === p.fixture && r.candidate === floor);
      const key = `${stage}:${p.fixture}`;
      if (!f || f.excluded || p.runs === 0 || f.runs === 0) {
        ratios[key] = null;
        diffs[key] = null;
        continue;
      }
      const s = ratioStability(p, f);
      ratios[key] = s.ratio;
      diffs[key] = s.diff;
    }
  }
  return { ratios, diffs };
}

function computeFigures(
  results: Partial<Record<Stage, CaseResult>>,
  bundles: Record<string, BuiltBundle>,
): Figures {
  const rows = Object.values(results).flatMap((r) => r?.rows ?? []);
  const intake = ['typical', 'large'].map((f) =>
    ratio(med(rows, 'intake', f, 'pipeline'), med(rows, 'intake', f, 'floor')),
  );
  const xlsxFixtures = ['form4-30', 'form4-100'];
  const xlsxFloor = xlsxFixtures.map((f) =>
    ratio(med(rows, 'xlsx', f, 'project'), med(rows, 'xlsx', f, 'floor')),
  );
  const xlsxPeer = xlsxFixtures.map((f) => {
    const peers = ['exceljs', 'sheetjs']
      .map((p) => med(rows, 'xlsx', f, p))
      .filter((x): x is number => x !== undefined);
    return peers.length ? ratio(med(rows, 'xlsx', f, 'project'), Math.min(...peers)) : null;
  });
  const cert = results.certificates;
  const burst = results.burst?.extra?.burst as BurstResult | undefined;
  const burst10x = results.burst10x?.extra?.burst10x as Burst10xResult | undefined;
  const rss = results.rss?.extra?.rss as RssResult | undefined;
  const e2eExtra = results.e2e?.extra as
    | { calls?: Record<string, number>; ddb_calls_typical?: number; io_floor_calls?: Record<string, number> }
    | undefined;
  const floors = floorRatios(rows);
  const legacy = Object.entries(floors.ratios)
    .filter(([k]) => k.startsWith('legacy:'))
    .map(([, v]) => v);
  // One figure in KB per function, keyed as FUNCTIONS is; a function that was not built reports null.
  const perFunction = (bytes: (b: BuiltBundle) => number) =>
    Object.fromEntries(
      Object.keys(FUNCTIONS).map((key) => {
        const built = bundles[key];
        return [key, built ? Math.round(bytes(built) / 1024) : null];
      }),
    ) as Record<keyof typeof FUNCTIONS, number | null>;
  return {
    intake_ratio_to_floor: results.intake ? worst(intake) : null,
    intake_ratio_by_fixture: { typical: intake[0] ?? null, large: intake[1] ?? null },
    e2e_ratio_to_io_floor: ratio(
      med(rows, 'e2e', 'typical', 'ingest'),
      med(rows, 'e2e', 'typical', 'io-floor'),
    ),
    xlsx_ratio_to_floor: results.xlsx ? worst(xlsxFloor) : null,
    xlsx_ratio_to_best_peer: results.xlsx ? worst(xlsxPeer) : null,
    certificates_ratio_to_floor: (cert?.extra?.ratio as number | undefined) ?? null,
    certificates_docs_per_s: (cert?.extra?.docs_per_s as number | undefined) ?? null,
    certificates_memory_slope_kb_per_doc:
      (cert?.extra?.memory_slope_kb_per_doc as number | undefined) ?? null,
    ...(cert?.skipped ? { certificates_reason: cert.skipped } : {}),
    init_ratio_to_empty: ratio(
      med(rows, 'init', 'cold-load', 'intake-bundle'),
      med(rows, 'init', 'cold-load', 'empty-bundle'),
    ),
    bundle_kb: perFunction((b) => b.bytes),
    bundle_initial_kb: perFunction((b) => b.initialBytes),
    burst: burst ?? null,
    burst10x: burst10x ?? null,
    max_email_rss_mb: rss?.max_email_rss_mb ?? null,
    rss: rss ?? null,
    legacy_ratio_to_floor: results.xlsx && legacy.length > 0 ? worst(legacy) : null,
    min_ratio_to_floor: minRatioToFloor(floors.ratios).min,
    min_ratio_at: minRatioToFloor(floors.ratios).at,
    ratios_to_floor: floors.ratios,
    ratio_halves_diff: floors.diffs,
    unsteady: Object.entries(floors.diffs)
      .filter(([, d]) => d !== null && d > 0.1)
      .map(([k]) => k),
    ddb_calls_typical: e2eExtra?.ddb_calls_typical ?? null,
    io_floor_calls: e2eExtra?.io_floor_calls ?? null,
    e2e_calls: e2eExtra?.calls ?? null,
    bundle_smoke: (results.e2e?.extra?.bundle_smoke as Record<string, string> | undefined) ?? null,
    skipped: Object.fromEntries(
      Object.entries(results)
        .filter(([, r]) => r?.skipped)
        .map(([s, r]) => [s, r?.skipped ?? '']),
    ),
    runtime_s: 0,
  };
}
