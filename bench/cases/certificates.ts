/**
 * certificates_ratio_to_floor: batches of certificates as the course-end job makes them (fillCertificate per
 * student, QR code included) against the floor (bench/floors.ts): every static part of the certificate
 * deflated once before timing, then per student the document part put together from pre-split template
 * text and the student's values, one deflate of it, and a zip written around the precompressed bytes. The
 * student's QR image is drawn with the project's own qrPng (the encoding is work any certificate needs) and
 * stored as the project stores it, so the floor's parts equal the project's. Timed in CPU time, in batches of 200 and as many rounds as the two halves of the run need
 * to agree (the 1,000-document runs of issue 7 gave 3-7 samples and a ratio that moved from 0.55 to 1.41).
 * Also docs/s and the memory slope per document over 1,000 documents whose outputs are all kept.
 */
import { strFromU8, strToU8, unzipSync } from 'fflate';
import { type PackedPart, packPart, zipPrecompressed } from '../floors.ts';
import { measure, type Row } from '../measure.ts';

const N = 1000;
const BATCH = 200;

/** Runs the certificates stage if the certificates package offers fillCertificate. */
export async function runCertificates(): Promise<{
  rows: Row[];
  skipped?: string;
  extra?: Record<string, unknown>;
}> {
  let mod: typeof import('@lingjun/certificates');
  try {
    mod = await import('@lingjun/certificates');
  } catch (err) {
    return { rows: [], skipped: `@lingjun/certificates does not load: ${(err as Error).message}` };
  }
  if (typeof mod.fillCertificate !== 'function') {
    return { rows: [], skipped: '@lingjun/certificates exports no fillCertificate' };
  }
  const { fillCertificate, certificateCode, qrPng } = mod;
  type Data = Parameters<typeof fillCertificate>[0];
  const data: Data[] = Array.from({ length: N }, (_, i) => {
    const number = `LJ2025-03-${String(i + 1).padStart(4, '0')}`;
    const code = certificateCode('bench-secret', number);
    return {
      name: `学员${String(i).padStart(4, '0')}`,
      enterprise: `示例${i}号科技有限公司`,
      programTitle: '2025年度中小企业经营管理领军人才培训',
      classNo: 3,
      start: '2025-07-08',
      end: '2025-07-11',
      location: '上海',
      issuer: '工业和信息化部中小企业局',
      issued: '2025-07-11',
      number,
      code,
      verifyUrl: `https://verify.example.cn/v?n=${encodeURIComponent(number)}&c=${code}`,
    };
  });

  // The floor's template: one real certificate, unzipped once; its per-student strings are the placeholders.
  const sample = data[0]!;
  const parts = unzipSync(await fillCertificate(sample));
  const xml = strFromU8(parts['word/document.xml']!);
  const media = Object.keys(parts).find((k) => k.startsWith('word/media/'));
  const keys = ['name', 'enterprise', 'number', 'code', 'verifyUrl'] as const;
  const esc = (s: string) =>
    s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  // Pre-split at the sample's values: a certificate is then one concatenation, as the project's template is.
  const pieces: (string | (typeof keys)[number])[] = [xml];
  for (const k of keys) {
    const needle = esc(sample[k]);
    for (let i = pieces.length - 1; i >= 0; i--) {
      const p = pieces[i]!;
      if ((keys as readonly string[]).includes(p) || !p.includes(needle)) continue;
      const split = p.split(needle);
      pieces.splice(i, 1, ...split.flatMap((t, j) => (j === 0 ? [t] : [k, t])));
    }
  }
  // Static parts deflated once, outside the timing; the document part is at its place in the zip order.
  const order = Object.keys(parts);
  const packed = new Map<string, PackedPart>(
    order
      .filter((n) => n !== 'word/document.xml')
      .map((n) => [n, packPart(n, parts[n]!, n === media ? 0 : 8)]),
  );
  const floorOne = (d: Data): Uint8Array => {
    let x = '';
    for (const p of pieces)
      x += (keys as readonly string[]).includes(p) ? esc(d[p as (typeof keys)[number]]) : p;
    const doc = packPart('word/document.xml', strToU8(x), 8);
    const qr = media ? packPart(media, qrPng(d.verifyUrl), 0) : undefined;
    return zipPrecompressed(
      order.map((n) => (n === 'word/document.xml' ? doc : n === media && qr ? qr : packed.get(n)!)),
    );
  };
  // Same output check: every part of the floor's certificate for a student equals the project's.
  const check = data[N - 1]!;
  const mine = unzipSync(await fillCertificate(check));
  const theirs = unzipSync(floorOne(check));
  const same =
    Object.keys(mine).length === Object.keys(theirs).length &&
    Object.entries(mine).every(([k, v]) => theirs[k] !== undefined && Buffer.from(v).equals(theirs[k]!));

  const batch = data.slice(0, BATCH);
  const project = async () => {
    let bytes = 0;
    for (const d of batch) bytes += (await fillCertificate(d)).length;
    return bytes > 0;
  };
  const floor = () => {
    let bytes = 0;
    for (const d of batch) bytes += floorOne(d).length;
    return bytes > 0;
  };
  const rows = await measure(
    'certificates',
    `${BATCH} docs`,
    [
      { name: 'fillCertificate', run: project },
      { name: 'floor', floor: true, run: floor },
    ],
    { warmup: 2, minRuns: 11, maxRuns: 60, maxMs: 40_000, clock: 'cpu', settle: 0.04 },
  );
  if (!same) {
    const r = rows.find((x) => x.candidate === 'floor');
    if (r) r.excluded = 'floor certificate parts differ from the project certificate';
  }

  // Memory: keep every output of one batch; slope of (heap + array buffers) per document.
  globalThis.gc?.();
  const kept: Uint8Array[] = [];
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < N; i++) {
    kept.push(await fillCertificate(data[i]!));
    if ((i + 1) % 100 === 0) {
      globalThis.gc?.();
      const m = process.memoryUsage();
      xs.push(i + 1);
      ys.push((m.heapUsed + m.arrayBuffers) / 1024);
    }
  }
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  const slope =
    xs.reduce((a, x, i) => a + (x - mx) * (ys[i]! - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  const avgDoc = kept.reduce((a, b) => a + b.length, 0) / kept.length / 1024;

  const p = rows.find((r) => r.candidate === 'fillCertificate');
  const f = rows.find((r) => r.candidate === 'floor');
  const ratio =
    p && f && !f.excluded && f.median_ms > 0 ? Math.round((p.median_ms / f.median_ms) * 100) / 100 : null;
  return {
    rows,
    extra: {
      ratio,
      docs_per_s: p ? Math.round(BATCH / (p.median_ms / 1000)) : null,
      memory_slope_kb_per_doc: Math.round(slope * 10) / 10,
      average_doc_kb: Math.round(avgDoc * 10) / 10,
      floor_docs_per_s: f ? Math.round(BATCH / (f.median_ms / 1000)) : null,
    },
  };
}
