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
}

/** Timings of one candidate on one fixture. */
export interface Row {
  stage: string;
  fixture: string;
  candidate: string;
  runs: number;
  median_ms: number;
  p95_ms: number;
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
  const excluded = new Map<string, string>();
  const samples = new Map<string, number[]>(candidates.map((c) => [c.name, []]));
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
    if (round >= plan.minRuns && spent >= plan.maxMs) break;
    for (let i = 0; i < active.length; i++) {
      const c = active[(i + round) % active.length]!;
      await c.before?.();
      const t0 = performance.now();
      await c.run();
      const dt = performance.now() - t0;
      await c.after?.();
      spent += dt;
      samples.get(c.name)!.push(dt);
      rss.set(c.name, Math.max(rss.get(c.name)!, process.memoryUsage.rss()));
    }
  }
  return candidates.map((c) => {
    const xs = [...samples.get(c.name)!].sort((a, b) => a - b);
    const ex = excluded.get(c.name);
    return {
      stage,
      fixture,
      candidate: c.name,
      runs: xs.length,
      median_ms: round3(quantile(xs, 0.5)),
      p95_ms: round3(quantile(xs, 0.95)),
      rss_mb: Math.round(rss.get(c.name)! / 1048576),
      ...(ex ? { excluded: ex } : {}),
    };
  });
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
