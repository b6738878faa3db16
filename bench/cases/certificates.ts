/**
 * certificates_ratio_to_floor: 1,000 certificates as the course-end job makes them (fillCertificate per
 * student, QR code included) against the floor: the same filled certificate's parts with the student's
 * values put in by plain string replacement and zipped with fflate at the same level, no layout and no QR
 * drawing. Also docs/s and the memory slope per document over a batch whose outputs are all kept.
 */
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { measure, type Row } from '../measure.ts';

const N = 1000;

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
  const { fillCertificate, certificateCode } = mod;
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
  const floorOne = (d: Data): Uint8Array => {
    let x = xml;
    for (const k of keys) x = x.split(esc(sample[k])).join(esc(d[k]));
    const files: Record<string, Uint8Array | [Uint8Array, { level: 0 }]> = { ...parts };
    files['word/document.xml'] = strToU8(x);
    if (media) files[media] = [parts[media]!, { level: 0 }];
    return zipSync(files as never, { level: 6 });
  };
  const docXml = (bytes: Uint8Array) => strFromU8(unzipSync(bytes)['word/document.xml']!);
  // Same values check: the floor's document text for a student equals the project's.
  const check = data[N - 1]!;
  const same = docXml(await fillCertificate(check)) === docXml(floorOne(check));

  const project = async () => {
    let bytes = 0;
    for (const d of data) bytes += (await fillCertificate(d)).length;
    return bytes > 0;
  };
  const floor = () => {
    let bytes = 0;
    for (const d of data) bytes += floorOne(d).length;
    return bytes > 0;
  };
  const rows = await measure(
    'certificates',
    `${N} docs`,
    [
      { name: 'fillCertificate', run: project },
      { name: 'floor', floor: true, run: floor },
    ],
    { warmup: 1, minRuns: 3, maxRuns: 7, maxMs: 40_000 },
  );
  if (!same) {
    const r = rows.find((x) => x.candidate === 'floor');
    if (r) r.excluded = 'floor document.xml differs from the project certificate';
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
      docs_per_s: p ? Math.round(N / (p.median_ms / 1000)) : null,
      memory_slope_kb_per_doc: Math.round(slope * 10) / 10,
      average_doc_kb: Math.round(avgDoc * 10) / 10,
      floor_docs_per_s: f ? Math.round(N / (f.median_ms / 1000)) : null,
    },
  };
}
