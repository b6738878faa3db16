/**
 * A certificate carries a name with extension B-G characters exactly, and names a font that can print
 * them: each such character sits in a run whose fonts are SimSun-ExtB (extension B) or SimSun-ExtG (later
 * extensions), with the run's other properties (bold, underline, size) kept.
 */
import { NOTICE_REGION_TABLE } from '@lingjun/program';
import { strFromU8, unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { buildCertificatesDocx, type CertificateData, fillCertificate } from '../src/index.ts';
import { completionWorkbook } from '../src/job.ts';
import { certificateData } from './certificate-data.ts';

const data: CertificateData = certificateData({ name: '王𠮷𪚥·𰻝明', enterprise: '陈𬱖科技有限公司' });

interface Run {
  props: string;
  text: string;
}

/** The runs of the paragraph that holds the name: their properties and text. */
function nameParagraphRuns(docx: Uint8Array): Run[] {
  const xml = strFromU8(unzipSync(docx)['word/document.xml']!);
  const para = [...xml.matchAll(/<w:p>.*?<\/w:p>/gs)].map((m) => m[0]).find((p) => p.includes('同志'));
  expect(para).toBeDefined();
  return [...para!.matchAll(/<w:r>(.*?)<\/w:r>/gs)].map((m) => ({
    props: /<w:rPr>(.*?)<\/w:rPr>/s.exec(m[1]!)?.[1] ?? '',
    text: [...m[1]!.matchAll(/<w:t(?: [^>]*)?>([^<]*)<\/w:t>/g)].map((t) => t[1]).join(''),
  }));
}

const eastAsia = (r: Run) => /w:eastAsia="([^"]*)"/.exec(r.props)?.[1];

describe.each([
  ['fillCertificate (the template)', () => fillCertificate(data)],
  ['buildCertificatesDocx (the print document)', () => buildCertificatesDocx([data])],
])('%s', (_label, make) => {
  it('writes the name and the enterprise exactly, in the document text', async () => {
    const runs = nameParagraphRuns(await make());
    const text = runs.map((r) => r.text).join('');
    expect(text.startsWith(`${data.name} 同志（${data.enterprise}）`)).toBe(true);
  });

  it('puts every extension character in a run whose fonts name the fallback font', async () => {
    const runs = nameParagraphRuns(await make()).filter((r) => r.text !== '');
    for (const r of runs) {
      const chars = [...r.text];
      const extB = chars.every((c) => c.codePointAt(0)! >= 0x20000 && c.codePointAt(0)! <= 0x2a6df);
      const later = chars.every((c) => c.codePointAt(0)! > 0x2a6df);
      const bmp = chars.every((c) => c.codePointAt(0)! < 0x10000);
      expect(extB || later || bmp, `mixed run ${r.text}`).toBe(true);
      if (extB) {
        expect(r.props).toContain('w:eastAsia="SimSun-ExtB"');
        expect(r.props).toContain('w:hAnsi="SimSun-ExtB"');
        expect(r.props).toContain('w:hint="eastAsia"');
      } else if (later) {
        expect(eastAsia(r)).toBe('SimSun-ExtG');
      } else {
        expect(eastAsia(r)).toBe('宋体');
      }
    }
    const byText = new Map(runs.map((r) => [r.text, r]));
    expect(eastAsia(byText.get('𠮷𪚥')!)).toBe('SimSun-ExtB');
    expect(eastAsia(byText.get('𰻝')!)).toBe('SimSun-ExtG');
    expect(eastAsia(byText.get('𬱖')!)).toBe('SimSun-ExtG');
    // The name's runs keep its emphasis.
    for (const t of ['王', '𠮷𪚥', '·', '𰻝', '明']) {
      expect(byText.get(t)?.props, t).toContain('<w:b/>');
      expect(byText.get(t)?.props, t).toContain('<w:u w:val="single"/>');
    }
  });
});

it('a name without extension characters stays one run in 宋体', async () => {
  const runs = nameParagraphRuns(
    await fillCertificate({ ...data, name: '买买提·艾力', enterprise: '某公司' }),
  );
  expect(runs[0]).toMatchObject({ text: '买买提·艾力' });
  expect(eastAsia(runs[0]!)).toBe('宋体');
});

it('the completion list keeps an extension-B name and names SimSun-ExtB for it', async () => {
  const cls = { no: 3, start: '2025-07-22', end: '2025-07-25', location: '杭州' };
  const result = {
    student: { region: '130000', name: '王𠮷', values: {}, personKey: 'k' },
    halfDays: 8,
    present: 8,
    late: 0,
    leave: 0,
    absent: 0,
    completed: true,
    reason: '',
  };
  const bytes = await completionWorkbook(
    cls as never,
    [result as never],
    new Map([['k', '2025-03-001']]),
    NOTICE_REGION_TABLE,
  );
  const xml = strFromU8(unzipSync(bytes)['xl/sharedStrings.xml']!);
  expect(xml).toMatch(/<rFont val="SimSun-ExtB"\/>.*<t[^>]*>𠮷<\/t>/s);
});
