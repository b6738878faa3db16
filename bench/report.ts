/** Budgets of issue 7, and the table and Markdown report of one bench run. */
import type { BuiltBundle } from './bundle.ts';
import type { BurstResult } from './cases/burst.ts';
import type { Burst10xResult } from './cases/burst10x.ts';
import type { RssResult } from './cases/rss.ts';
import type { Row } from './measure.ts';

/** The figures of one run: the keys of the --json line. */
export interface Figures {
  intake_ratio_to_floor: number | null;
  intake_ratio_by_fixture: { typical: number | null; large: number | null };
  e2e_ratio_to_io_floor: number | null;
  xlsx_ratio_to_floor: number | null;
  xlsx_ratio_to_best_peer: number | null;
  certificates_ratio_to_floor: number | null;
  certificates_docs_per_s: number | null;
  certificates_memory_slope_kb_per_doc: number | null;
  certificates_reason?: string;
  init_ratio_to_empty: number | null;
  bundle_kb: {
    intake: number | null;
    reminders: number | null;
    course_end: number | null;
    verify: number | null;
  };
  /** Entry plus statically imported chunks per function: what a cold start loads before the handler runs. */
  bundle_initial_kb: {
    intake: number | null;
    reminders: number | null;
    course_end: number | null;
    verify: number | null;
  };
  burst: BurstResult | null;
  burst10x: Burst10xResult | null;
  /** Peak RSS of the built intake bundle on a 40 MB email in a fresh node. */
  max_email_rss_mb: number | null;
  rss: RssResult | null;
  /** Worst ratio of readAttachment to the legacy floor over .xls/.doc/.wps. */
  legacy_ratio_to_floor: number | null;
  /** The smallest of ratios_to_floor: under 0.95, a floor does more than the project (a broken floor). */
  min_ratio_to_floor: number | null;
  min_ratio_at: string | null;
  /** Every ratio of a project candidate to its floor in this run, keyed stage:fixture. */
  ratios_to_floor: Record<string, number | null>;
  /** Relative difference of each ratio over the even and over the odd rounds (in-run stability). */
  ratio_halves_diff: Record<string, number | null>;
  /** Ratios whose two halves differ by more than 10 %: re-measure before trusting them. */
  unsteady: string[];
  /** All DynamoDB calls of one typical ingest, counted by a middleware on the real clients. */
  ddb_calls_typical: number | null;
  /** The e2e floor's calls, counted the same way. */
  io_floor_calls: Record<string, number> | null;
  e2e_calls: Record<string, number> | null;
  /** Sample name -> outcome of the built intake bundle on it (e2e stage). */
  bundle_smoke: Record<string, string> | null;
  skipped: Record<string, string>;
  runtime_s: number;
}

/** Upper limits from the issues (7 and 16); ratios are medians over medians. */
export const BUDGETS = {
  intake_ratio_to_floor: 3,
  e2e_ratio_to_io_floor: 1.5,
  xlsx_ratio_to_floor: 3,
  xlsx_ratio_to_best_peer: 1.0,
  certificates_ratio_to_floor: 2,
  init_ratio_to_empty: 2.5,
  bundle_kb_intake: 2048,
  ddb_calls_typical: 6,
  bundle_initial_kb_reminders: 700,
  bundle_initial_kb_course_end: 700,
  max_email_rss_mb: 600,
  /** A scheduled job at ten times a season may use at most this share of its Lambda timeout. */
  burst10x_job_share_of_timeout: 0.5,
} as const;

/** Lower limit: a project under 0.95 of a floor means the floor does more than the project. */
export const MIN_RATIO_TO_FLOOR = 0.95;

const STAGE_OF: Record<string, string> = {
  intake_ratio_to_floor: 'intake',
  e2e_ratio_to_io_floor: 'e2e',
  xlsx_ratio_to_floor: 'xlsx',
  xlsx_ratio_to_best_peer: 'xlsx',
  certificates_ratio_to_floor: 'certificates',
  init_ratio_to_empty: 'init',
};

/** Budgets missed (or not measured) among the stages that ran, as readable strings. */
export function misses(f: Figures, stages: readonly string[]): string[] {
  const out: string[] = [];
  for (const [key, stage] of Object.entries(STAGE_OF)) {
    if (!stages.includes(stage)) continue;
    const v = f[key as keyof Figures] as number | null;
    const limit = BUDGETS[key as keyof typeof BUDGETS];
    if (v === null)
      out.push(
        `${key}: not measured${key.startsWith('cert') && f.certificates_reason ? ` (${f.certificates_reason})` : ''}`,
      );
    else if (v > limit) out.push(`${key}: ${v} > ${limit}`);
  }
  if (f.bundle_kb.intake === null || f.bundle_kb.intake > BUDGETS.bundle_kb_intake) {
    out.push(`bundle_kb.intake: ${f.bundle_kb.intake} > ${BUDGETS.bundle_kb_intake}`);
  }
  for (const fn of ['reminders', 'course_end'] as const) {
    const v = f.bundle_initial_kb[fn];
    const limit = BUDGETS[`bundle_initial_kb_${fn}`];
    if (v === null || v > limit) out.push(`bundle_initial_kb.${fn}: ${v} > ${limit}`);
  }
  if (['intake', 'xlsx', 'certificates', 'e2e'].some((s) => stages.includes(s))) {
    if (f.min_ratio_to_floor === null) out.push('min_ratio_to_floor: not measured');
    else if (f.min_ratio_to_floor < MIN_RATIO_TO_FLOOR)
      out.push(`min_ratio_to_floor: ${f.min_ratio_to_floor} < ${MIN_RATIO_TO_FLOOR} (at ${f.min_ratio_at})`);
  }
  if (stages.includes('e2e')) {
    if (f.ddb_calls_typical === null) out.push('ddb_calls_typical: not measured');
    else if (f.ddb_calls_typical > BUDGETS.ddb_calls_typical)
      out.push(`ddb_calls_typical: ${f.ddb_calls_typical} > ${BUDGETS.ddb_calls_typical}`);
  }
  if (stages.includes('rss')) {
    if (f.max_email_rss_mb === null) out.push('max_email_rss_mb: not measured');
    else if (f.max_email_rss_mb > BUDGETS.max_email_rss_mb)
      out.push(`max_email_rss_mb: ${f.max_email_rss_mb} > ${BUDGETS.max_email_rss_mb}`);
  }
  if (stages.includes('burst10x')) {
    const b = f.burst10x;
    if (!b) out.push('burst10x: not measured');
    else {
      for (const k of ['lost', 'quota_overrun', 'duplicate_registrations', 'answered_twice'] as const) {
        if (b[k] !== 0) out.push(`burst10x.${k}: ${b[k]} (must be 0)`);
      }
      for (const [k, j] of Object.entries(b.jobs)) {
        if (j.share_of_timeout > BUDGETS.burst10x_job_share_of_timeout)
          out.push(
            `burst10x.jobs.${k}: ${j.seconds} s is ${j.share_of_timeout} of its ${j.timeout_s} s timeout > ${BUDGETS.burst10x_job_share_of_timeout}`,
          );
      }
    }
  }
  if (stages.includes('e2e')) {
    if (!f.bundle_smoke) out.push('bundle_smoke: not run');
    else
      for (const [k, v] of Object.entries(f.bundle_smoke)) {
        if (v.startsWith('error') || v === 'no outcome') out.push(`bundle_smoke.${k}: ${v}`);
      }
  }
  if (stages.includes('burst')) {
    const b = f.burst;
    if (!b) out.push('burst: not measured');
    else {
      for (const k of ['lost', 'quota_overrun', 'duplicate_registrations', 'answered_twice'] as const) {
        if (b[k] !== 0) out.push(`burst.${k}: ${b[k]} (must be 0)`);
      }
    }
  }
  return out;
}

function pad(s: string, n: number): string {
  let w = 0;
  for (const ch of s) w += /[\u1100-\uffff]/.test(ch) ? 2 : 1;
  return s + ' '.repeat(Math.max(0, n - w));
}

function fmt(n: number | null | undefined): string {
  if (n === null || n === undefined || Number.isNaN(n)) return '-';
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}

/** Ratio of each row to the floor (or first floor-like candidate) of its stage and fixture. */
function rowRatios(rows: Row[]): Map<Row, number | null> {
  const floorName: Record<string, string> = {
    intake: 'floor',
    xlsx: 'floor',
    legacy: 'floor',
    e2e: 'io-floor',
    init: 'empty-bundle',
    certificates: 'floor',
  };
  const out = new Map<Row, number | null>();
  for (const r of rows) {
    const f = rows.find(
      (x) => x.stage === r.stage && x.fixture === r.fixture && x.candidate === floorName[r.stage],
    );
    out.set(r, f && f.runs > 0 && r.runs > 0 ? Math.round((r.median_ms / f.median_ms) * 100) / 100 : null);
  }
  return out;
}

function headline(f: Figures): [string, string, string][] {
  const b = f.burst;
  const t = f.burst10x;
  return [
    [
      'min_ratio_to_floor',
      `${fmt(f.min_ratio_to_floor)}${f.min_ratio_at ? ` (${f.min_ratio_at})` : ''}`,
      `≥ ${MIN_RATIO_TO_FLOOR}`,
    ],
    ['unsteady ratios (halves > 10 %)', f.unsteady.length ? f.unsteady.join(', ') : 'none', 're-measure'],
    ['legacy_ratio_to_floor', fmt(f.legacy_ratio_to_floor), '(reported)'],
    ['ddb_calls_typical', String(f.ddb_calls_typical ?? '-'), `≤ ${BUDGETS.ddb_calls_typical}`],
    ['max_email_rss_mb', String(f.max_email_rss_mb ?? '-'), `≤ ${BUDGETS.max_email_rss_mb}`],
    [
      'bundle_initial_kb.reminders',
      String(f.bundle_initial_kb.reminders ?? '-'),
      `≤ ${BUDGETS.bundle_initial_kb_reminders}`,
    ],
    [
      'bundle_initial_kb.course_end',
      String(f.bundle_initial_kb.course_end ?? '-'),
      `≤ ${BUDGETS.bundle_initial_kb_course_end}`,
    ],
    [
      'burst10x',
      t
        ? `${t.regions}/${t.program_regions} regions × ${t.classes} classes, ${t.emails} emails (+${t.redelivered}), lost ${t.lost}, quota overrun ${t.quota_overrun}, duplicates ${t.duplicate_registrations}, ${t.emails_per_s}/s; jobs ${Object.entries(
            t.jobs,
          )
            .map(([k, j]) => `${k} ${j.seconds}s/${j.timeout_s}s`)
            .join(', ')}`
        : '-',
      `0 lost/overrun/duplicates; jobs ≤ ${BUDGETS.burst10x_job_share_of_timeout} of timeout`,
    ],
    ['intake_ratio_to_floor', fmt(f.intake_ratio_to_floor), `≤ ${BUDGETS.intake_ratio_to_floor}`],
    ['e2e_ratio_to_io_floor', fmt(f.e2e_ratio_to_io_floor), `≤ ${BUDGETS.e2e_ratio_to_io_floor}`],
    ['xlsx_ratio_to_floor', fmt(f.xlsx_ratio_to_floor), `≤ ${BUDGETS.xlsx_ratio_to_floor}`],
    ['xlsx_ratio_to_best_peer', fmt(f.xlsx_ratio_to_best_peer), `≤ ${BUDGETS.xlsx_ratio_to_best_peer}`],
    [
      'certificates_ratio_to_floor',
      f.certificates_ratio_to_floor === null
        ? `null (${f.certificates_reason ?? 'not run'})`
        : fmt(f.certificates_ratio_to_floor),
      `≤ ${BUDGETS.certificates_ratio_to_floor}`,
    ],
    ['init_ratio_to_empty', fmt(f.init_ratio_to_empty), `≤ ${BUDGETS.init_ratio_to_empty}`],
    ['bundle_kb.intake', String(f.bundle_kb.intake ?? '-'), `≤ ${BUDGETS.bundle_kb_intake} (aim 1024)`],
    ['bundle_initial_kb.intake', String(f.bundle_initial_kb.intake ?? '-'), '(loaded at cold start)'],
    [
      'burst',
      b
        ? `${b.emails} emails, lost ${b.lost}, quota overrun ${b.quota_overrun}, duplicates ${b.duplicate_registrations}, answered twice ${b.answered_twice}, ${b.emails_per_s}/s = ${b.emails_per_s_ratio_to_serial}× serial`
        : '-',
      'lost = overrun = duplicates = 0',
    ],
  ];
}

/** The plain-text table printed without --json. */
export function renderTable(f: Figures, rows: Row[], missed: string[]): string {
  const ratios = rowRatios(rows);
  const lines = [
    `${pad('stage', 14)}${pad('fixture', 34)}${pad('candidate', 17)}${pad('median ms', 11)}${pad('p95 ms', 10)}${pad('ratio', 8)}${pad('RSS MiB', 8)}runs`,
  ];
  for (const r of rows) {
    lines.push(
      `${pad(r.stage, 14)}${pad(r.fixture, 34)}${pad(r.candidate, 17)}${pad(fmt(r.median_ms), 11)}${pad(fmt(r.p95_ms), 10)}${pad(fmt(ratios.get(r)), 8)}${pad(String(r.rss_mb), 8)}${r.runs}${r.excluded ? `  EXCLUDED: ${r.excluded}` : ''}`,
    );
  }
  lines.push('');
  for (const [k, v, b] of headline(f)) lines.push(`${pad(k, 30)}${pad(v, 20)}  ${b}`);
  lines.push('');
  lines.push(missed.length ? `Budgets missed:\n  ${missed.join('\n  ')}` : 'All budgets met.');
  return `${lines.join('\n')}\n`;
}

/** The Markdown report written to bench/report.md. */
export function renderMarkdown(
  f: Figures,
  rows: Row[],
  bundles: Record<string, BuiltBundle>,
  caseRss: Record<string, number | null>,
  results: Record<string, { skipped?: string } | undefined>,
): string {
  const ratios = rowRatios(rows);
  const out: string[] = [
    '# lingjun bench report',
    '',
    `Run at ${new Date().toISOString()} on ${process.platform}/${process.arch}, node ${process.version}, in ${f.runtime_s} s.`,
    'Ratios are medians over medians of candidates interleaved in one fresh process per stage; absolute times on this shared machine are noise.',
    ...(process.env.LINGJUN_BENCH_QUICK
      ? [
          '',
          '**--quick run: a few rounds per candidate (burst10x: 2 regions). It shows the stages run; its figures are not for budgets.**',
        ]
      : []),
    '',
    '## Headline figures',
    '',
    '| figure | value | budget |',
    '| --- | --- | --- |',
    ...headline(f).map(([k, v, b]) => `| ${k} | ${v} | ${b} |`),
    '',
    '## Timings',
    '',
    '| stage | fixture | candidate | clock | median ms | p95 ms | wall median ms | spread | halves ms | ratio to floor | RSS MiB | runs | note |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.stage} | ${r.fixture} | ${r.candidate} | ${r.clock} | ${fmt(r.median_ms)} | ${fmt(r.p95_ms)} | ${fmt(r.wall_median_ms)} | ${fmt(r.spread)} | ${fmt(r.halves_ms[0])} / ${fmt(r.halves_ms[1])} | ${fmt(ratios.get(r))} | ${r.rss_mb} | ${r.runs} | ${r.excluded ? `excluded: ${r.excluded}` : ''} |`,
    ),
    '',
    'RSS is the process resident set seen right after that candidate’s runs. Peak RSS per stage process (MiB): ' +
      Object.entries(caseRss)
        .map(([k, v]) => `${k} ${v ?? '-'}`)
        .join(', '),
    '',
    '## Bundles (minified as the CDK builds them)',
    '',
    'KiB counts every file the function ships (entry and lazily loaded chunks); at cold start counts the entry',
    'and the chunks it imports statically, which Node compiles before the handler runs.',
    '',
    '| function | KiB | at cold start | largest inputs (KiB) |',
    '| --- | --- | --- | --- |',
    ...Object.entries(bundles).map(
      ([k, b]) =>
        `| ${k} | ${Math.round(b.bytes / 1024)} | ${Math.round(b.initialBytes / 1024)} | ${b.largest
          .slice(0, 10)
          .map((l) => `${l.name} ${Math.round(l.bytes / 1024)}`)
          .join(', ')} |`,
    ),
    '',
  ];
  out.push('## Ratios to floors', '', '| stage:fixture | ratio | halves differ by |', '| --- | --- | --- |');
  for (const [k, v] of Object.entries(f.ratios_to_floor)) {
    out.push(`| ${k} | ${fmt(v)} | ${fmt(f.ratio_halves_diff[k])} |`);
  }
  out.push('');
  if (f.e2e_calls) {
    out.push('## AWS calls of one typical ingest (counting middleware)', '');
    out.push(...Object.entries(f.e2e_calls).map(([k, n]) => `- ${k}: ${n}`), '');
  }
  if (f.io_floor_calls) {
    out.push('## AWS calls of the e2e I/O floor', '');
    out.push(...Object.entries(f.io_floor_calls).map(([k, n]) => `- ${k}: ${n}`), '');
  }
  if (f.rss) {
    out.push('## 40 MB email', '', '```json', JSON.stringify(f.rss, null, 2), '```', '');
  }
  if (f.burst10x) {
    out.push('## Burst ×10', '', '```json', JSON.stringify(f.burst10x, null, 2), '```', '');
  }
  if (f.bundle_smoke) {
    out.push('## Built intake bundle on the sample emails', '');
    out.push(...Object.entries(f.bundle_smoke).map(([k, v]) => `- ${k}: ${v}`), '');
  }
  if (f.burst) {
    out.push('## Burst', '', '```json', JSON.stringify(f.burst, null, 2), '```', '');
  }
  const skipped = Object.entries(results).filter(([, r]) => r?.skipped);
  if (skipped.length || f.certificates_reason) {
    out.push('## Not measured', '');
    for (const [k, r] of skipped) out.push(`- ${k}: ${r?.skipped}`);
    if (f.certificates_reason) out.push(`- certificates: ${f.certificates_reason}`);
    out.push('');
  }
  return out.join('\n');
}
