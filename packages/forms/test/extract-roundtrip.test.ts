import { generatePeople } from '@lingjun/testing';
import { describe, expect, it } from 'vitest';
import {
  buildForm4Workbook,
  buildForm5Workbook,
  extractForms,
  FORM4,
  FORM4_LAYOUT,
  type Form4,
  type Form5,
  form5XlsxRow,
  readAttachment,
} from '../src/index.ts';
import { ctx, program } from './support/extract-fixtures.ts';

// The system's own blank templates, filled as a province would and read back by the real readers.
describe('templates filled and read back', () => {
  it('a blank 附件4 or 附件5 template gives no students', async () => {
    const docs = [];
    for (const [name, wb] of [
      ['附件4.xlsx', await buildForm4Workbook(program)],
      ['附件5.xlsx', await buildForm5Workbook(program)],
    ] as const) {
      const content = new Uint8Array(await wb.xlsx.writeBuffer());
      docs.push(...(await readAttachment({ filename: name, content })).documents);
    }
    expect(docs).toHaveLength(2);
    const r = extractForms(docs, ctx);
    expect(r.forms.map((f) => f.form)).toContain('附件4');
    expect(r.forms.flatMap((f) => (f.form === '附件5' ? [f.record] : f.records))).toEqual([]);
  });

  it('a filled 附件4 template reads back with region, class and clean records', async () => {
    const people = generatePeople(12, { seed: 77, classNo: 2 });
    const wb = await buildForm4Workbook(program);
    const ws = wb.worksheets[0]!;
    ws.getCell(FORM4_LAYOUT.regionCell).value = '河北省';
    ws.getCell(FORM4_LAYOUT.classCell).value = '第2期';
    people.forEach((p, i) => {
      const row = ws.getRow(FORM4_LAYOUT.firstDataRow + i);
      FORM4.fields.forEach((f, c) => {
        row.getCell(c + 1).value =
          f.key === 'seq' ? i + 1 : ((p as unknown as Record<string, string>)[f.key] ?? null);
      });
    });
    const content = new Uint8Array(await wb.xlsx.writeBuffer());
    const { documents } = await readAttachment({ filename: 'hb.xlsx', content });
    const r = extractForms(documents, ctx);
    const f4 = r.forms.filter((f): f is Form4 => f.form === '附件4');
    expect(f4).toHaveLength(1);
    expect(f4[0]!).toMatchObject({ regionCode: '130000', classNo: 2, headerRow: FORM4_LAYOUT.headerRow });
    expect(f4[0]!.records.map((x) => x.values.idNumber)).toEqual(people.map((p) => p.idNumber));
    expect(f4[0]!.records.flatMap((x) => x.findings)).toEqual([]);
    expect(f4[0]!.records[0]!.row).toBe(FORM4_LAYOUT.firstDataRow);
  });

  it('a filled 附件5 workbook template reads back as one clean 附件5', async () => {
    const [p] = generatePeople(1, { seed: 78 });
    const wb = await buildForm5Workbook(program);
    const ws = wb.worksheets[0]!;
    for (const [key, v] of Object.entries(p!)) ws.getCell(`B${form5XlsxRow(key)}`).value = v;
    const content = new Uint8Array(await wb.xlsx.writeBuffer());
    const { documents } = await readAttachment({ filename: 'p.xlsx', content });
    const f5 = extractForms(documents, ctx).forms.filter((f): f is Form5 => f.form === '附件5');
    expect(f5).toHaveLength(1);
    expect(f5[0]!.record.findings).toEqual([]);
    expect(f5[0]!.record.values).toMatchObject({ idNumber: p!.idNumber, uscc: p!.uscc, classNo: p!.classNo });
  });
});
