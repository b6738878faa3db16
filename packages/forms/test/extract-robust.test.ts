import { generatePeople } from '@lingjun/testing';
import { describe, expect, it } from 'vitest';
import { type CellValue, extractForms, FORM4, FORM5, type RawDocument } from '../src/index.ts';
import { ctx } from './support/extract-fixtures.ts';

function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a * 1103515245 + 12345) % 2147483648;
    return a / 2147483648;
  };
}

describe('extraction never throws on odd grids', () => {
  it('survives 300 random grids mixing labels, values, numbers, dates and holes', () => {
    const r = rng(42);
    const p = generatePeople(1)[0] as unknown as Record<string, string>;
    const vocab: CellValue[] = [
      ...FORM4.fields.map((f) => f.label),
      ...FORM5.fields.map((f) => `${f.label}：`),
      ...Object.values(p),
      null,
      '',
      '   ',
      0,
      -1,
      1e20,
      Number.NaN,
      true,
      new Date(Number.NaN),
      new Date(Date.UTC(1980, 1, 1)),
      '填报地区：',
      '培训期次：第十一期',
      '（必填）',
      '示例',
      '合计',
      '姓名：张三 性别：',
      '：：：',
      '第期',
      '"',
    ];
    let forms = 0;
    for (let n = 0; n < 300; n++) {
      const rows = Array.from({ length: 1 + Math.floor(r() * 30) }, (_, i) => ({
        row: i + 1,
        cells: Array.from({ length: Math.floor(r() * 20) }, () => vocab[Math.floor(r() * vocab.length)]!),
        formats: Array.from({ length: 5 }, () => (r() < 0.5 ? '0' : undefined)),
      }));
      const doc: RawDocument = {
        file: `f${n}.xlsx`,
        format: 'xlsx',
        grids: [{ name: 'S', rows, fromDocument: r() < 0.3 }],
        text: rows.map((x) => x.cells.map(String).join('\t')).join('\n'),
      };
      const result = extractForms([doc], ctx);
      forms += result.forms.length;
      for (const f of result.forms) {
        const records = f.form === '附件5' ? [f.record] : f.records;
        for (const rec of records) {
          for (const fd of rec.findings) {
            expect(fd.message.length).toBeGreaterThan(5);
            // Messages never repeat personal numbers (spec §10).
            expect(fd.message).not.toContain(p.idNumber);
            expect(fd.message).not.toContain(p.mobile);
          }
        }
      }
    }
    // Real labels in random places do make some grids look like forms; the run must have exercised that path.
    expect(forms).toBeGreaterThan(0);
  });
});
