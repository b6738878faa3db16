/**
 * Interleaved timing of candidates inside one process: every round runs each candidate once, in an order
 * rotated per round, so drift on this shared machine (another process, GC, CPU frequency) falls on all
 * candidates alike. Medians and ratios of medians are what the report uses; absolute times are noise here.
 */
import { performance } from 'node:perf_hooks';

/** One thing to time; `run` returns a signature of what it produced, compared across candidates. */
export interface Candidate {
  name: string;
  run: () => Promise<unknown> | unknown;
  /** Runs outside the timing before every measured run (e.g. a fresh table); returns nothing timed. */
  before?: () => Promise<void> | void;
  /** Runs outside the timing after every run (cleanup). */
  after?: () => Promise<void> | void;
  /** True when this candidate is a floor: it is not expected to produce the project's rows. */
  floor?: boolean;
  /**
   * Runs per timed sample (default 1); the sample is the mean over them. For candidates well under a
   * millisecond (the legacy floor, ~0.1 ms), where one run is too short for a clock on a busy machine.
   */
  repeat?: number;
}

/** Timings of one candidate on one fixture. */
export interface Row {
  stage: string;
  fixture: string;
  candidate: string;
  runs: number;
  median_ms: number;
  p95_ms: number;
  /** Which clock median_ms, p95_ms and halves_ms count: process CPU time or wall time (Plan.clock). */
  clock: 'cpu' | 'wall';
  /** Wall-time median whatever the clock, for reference. */
  wall_median_ms: number;
  /** Interquartile range over the median: how widely single runs scatter. */
  spread: number;
  /** Medians of the even and the odd rounds: two independent estimates inside one run (ratioStability). */
  halves_ms: [number, number];
  /** Highest resident set size seen right after this candidate's runs, in MiB. */
  rss_mb: number;
  /** Set when the candidate was excluded because its output differed from the project's. */
  excluded?: string;
}

/** How long and how often to measure. */
export interface Plan {
  warmup: number;
  minRuns: number;
  maxRuns: number;
  /** Stop adding rounds once this much time went into measured runs (after minRuns). */
  maxMs: number;
  /**
   * 'cpu' (process.cpuUsage, user + system) for a candidate that computes on one thread: time spent waiting
   * for a core that others hold is not counted, so a loaded machine moves it far less than wall time. 'wall'
   * (the default) for candidates that wait on I/O or child processes, where CPU time would miss the work.
   */
  clock?: 'cpu' | 'wall';
  /**
   * After minRuns, stop early once every candidate's even-round and odd-round medians agree within this
   * fraction (and keep going to maxRuns/maxMs while they do not): rounds are added where the figure is unsteady.
   */
  settle?: number;
}

export const DEFAULT_PLAN: Plan = { warmup: 3, minRuns: 9, maxRuns: 60, maxMs: 20_000 };

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] ?? 0) + ((sorted[hi] ?? 0) - (sorted[lo] ?? 0)) * (pos - lo);
}

/** Median of a list of numbers. */
export function median(xs: number[]): number {
  return quantile(
    [...xs].sort((a, b) => a - b),
    0.5,
  );
}

/**
 * Warms every candidate up, checks that each non-floor candidate's signature equals the first candidate's
 * (the project's), then measures the rest interleaved. A candidate whose output differs is excluded, with
 * the first difference as the reason, and not timed.
 */
export async function measure(
  stage: string,
  fixture: string,
  candidates: Candidate[],
  plan: Plan = DEFAULT_PLAN,
  same: (a: unknown, b: unknown) => string | undefined = jsonDiff,
): Promise<Row[]> {
  const reference = candidates[0];
  if (!reference) return [];
  // --quick (LINGJUN_BENCH_QUICK): a few rounds only, to see that a stage runs end to end; not for figures.
  if (process.env.LINGJUN_BENCH_QUICK) plan = quickPlan(plan);
  const excluded = new Map<string, string>();
  const samples = new Map<string, number[]>(candidates.map((c) => [c.name, []]));
  const walls = new Map<string, number[]>(candidates.map((c) => [c.name, []]));
  const clock = plan.clock ?? 'wall';
  const rss = new Map<string, number>(candidates.map((c) => [c.name, 0]));
  let refSig: unknown;
  for (let w = 0; w < Math.max(1, plan.warmup); w++) {
    for (const c of candidates) {
      if (excluded.has(c.name)) continue;
      await c.before?.();
      let sig: unknown;
      try {
        sig = await c.run();
      } catch (err) {
        if (c === reference) throw err;
        excluded.set(c.name, `failed: ${(err as Error).message}`);
        continue;
      } finally {
        await c.after?.();
      }
      if (w > 0) continue;
      if (c === reference) refSig = sig;
      else if (!c.floor) {
        const diff = same(refSig, sig);
        if (diff) excluded.set(c.name, diff);
      }
    }
  }
  const active = candidates.filter((c) => !excluded.has(c.name));
  let spent = 0;
  for (let round = 0; round < plan.maxRuns; round++) {
    if (round >= plan.minRuns) {
      if (spent >= plan.maxMs) break;
      const settle = plan.settle;
      if (settle !== undefined && active.every((c) => halvesDiff(samples.get(c.name)!) <= settle)) break;
    }
    for (let i = 0; i < active.length; i++) {
      const c = active[(i + round) % active.length]!;
      await c.before?.();
      const repeat = Math.max(1, c.repeat ?? 1);
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      for (let k = 0; k < repeat; k++) await c.run();
      const dt = (performance.now() - t0) / repeat;
      const cpu = process.cpuUsage(c0);
      cpu.user /= repeat;
      cpu.system /= repeat;
      await c.after?.();
      spent += dt;
      walls.get(c.name)!.push(dt);
      samples.get(c.name)!.push(clock === 'cpu' ? (cpu.user + cpu.system) / 1000 : dt);
      rss.set(c.name, Math.max(rss.get(c.name)!, process.memoryUsage.rss()));
    }
  }
  return candidates.map((c) => {
    const inOrder = samples.get(c.name)!;
    const xs = [...inOrder].sort((a, b) => a - b);
    const mid = quantile(xs, 0.5);
    const [even, odd] = halves(inOrder);
    const ex = excluded.get(c.name);
    return {
      stage,
      fixture,
      candidate: c.name,
      runs: xs.length,
      clock,
      median_ms: round3(mid),
      p95_ms: round3(quantile(xs, 0.95)),
      wall_median_ms: round3(median(walls.get(c.name)!)),
      spread: mid > 0 ? round3((quantile(xs, 0.75) - quantile(xs, 0.25)) / mid) : 0,
      halves_ms: [round3(median(even)), round3(median(odd))],
      rss_mb: Math.round(rss.get(c.name)! / 1048576),
      ...(ex ? { excluded: ex } : {}),
    };
  });
}

/** The plan cut to one warm-up and four rounds (--quick). */
export function quickPlan(plan: Plan): Plan {
  return {
    ...plan,
    warmup: 1,
    minRuns: Math.min(plan.minRuns, 4),
    maxRuns: Math.min(plan.maxRuns, 4),
    maxMs: 0,
  };
}

/** Samples of the even and of the odd rounds. */
export function halves(xs: number[]): [number[], number[]] {
  return [xs.filter((_, i) => i % 2 === 0), xs.filter((_, i) => i % 2 === 1)];
}

/** Relative difference of the even-round and odd-round medians (Infinity with fewer than 2 samples). */
export function halvesDiff(xs: number[]): number {
  if (xs.length < 2) return Number.POSITIVE_INFINITY;
  const [a, b] = halves(xs).map(median) as [number, number];
  const m = (a + b) / 2;
  return m > 0 ? Math.abs(a - b) / m : 0;
}

/**
 * A ratio of two rows' medians with its in-run stability: the same ratio over the even rounds and over the
 * odd rounds, and their relative difference. Two halves that disagree by more than ±10 % say a second run
 * may too; the report flags such ratios as unsteady.
 */
export function ratioStability(
  project: Pick<Row, 'median_ms' | 'halves_ms'>,
  floor: Pick<Row, 'median_ms' | 'halves_ms'>,
): { ratio: number | null; halves: [number | null, number | null]; diff: number | null } {
  const r = ratio(project.median_ms, floor.median_ms);
  const h: [number | null, number | null] = [
    ratio(project.halves_ms[0], floor.halves_ms[0]),
    ratio(project.halves_ms[1], floor.halves_ms[1]),
  ];
  const diff =
    h[0] !== null && h[1] !== null && h[0] + h[1] > 0
      ? round3(Math.abs(h[0] - h[1]) / ((h[0] + h[1]) / 2))
      : null;
  return { ratio: r, halves: h, diff };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** First difference between two JSON-able values, or undefined when they are equal. */
export function jsonDiff(a: unknown, b: unknown, path = '$'): string | undefined {
  if (Object.is(a, b)) return undefined;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') {
    return `differs at ${path}: ${short(a)} vs ${short(b)}`;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return `differs at ${path}: array vs object`;
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (Array.isArray(a) && ka.length !== kb.length)
    return `differs at ${path}: length ${ka.length} vs ${kb.length}`;
  for (const k of new Set([...ka, ...kb])) {
    const d = jsonDiff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    if (d) return d;
  }
  return undefined;
}

function short(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Ratio of two medians, rounded for reporting. */
export function ratio(a: number | undefined, b: number | undefined): number | null {
  if (a === undefined || b === undefined || !(b > 0) || !Number.isFinite(a)) return null;
  return Math.round((a / b) * 100) / 100;
}
