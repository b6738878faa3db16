import {
  extractForms,
  FORM3,
  FORM4,
  FORM4_LAYOUT,
  FORM5,
  type Form3,
  type Form4,
  type Form5,
  readAttachment,
} from '@lingjun/forms';
import { loadProgram, type Program, programRegions } from '@lingjun/program';
import {
  type Form3Contact,
  fillForm3,
  fillForm4,
  fillForm5Docx,
  fillForm5Xlsx,
  generatePeople,
  type Person,
} from '@lingjun/testing';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * Issue acceptance: what the system hands out, filled the way people fill it, reads back to exactly the
 * values written, through the same readers and extraction intake uses.
 */

const PROGRAM_FILE = new URL('../../../examples/program-2025.json', import.meta.url).pathname;
let program: Program;

beforeAll(async () => {
  program = await loadProgram(PROGRAM_FILE);
});

/**
 * The value extraction is expected to give back for what was written. Free text comes back NFKC-folded
 * (（示例） → (示例)): extraction folds full-width punctuation in every cell. Reported to the lead as an
 * open question; everything else must come back exactly.
 */
function expectedValue(type: string, written: string | undefined): string | undefined {
  return type === 'text' && written !== undefined ? written.normalize('NFKC') : written;
}

async function extract(filename: string, content: Uint8Array) {
  const read = await readAttachment({ filename, content });
  expect(read.unreadable).toEqual([]);
  return extractForms(read.documents, { program });
}

function errorsOf(findings: readonly { severity: string; code: string }[]) {
  return findings.filter((f) => f.severity === 'error').map((f) => f.code);
}

describe('round trip: template → filled by a person → readAttachment → extractForms', () => {
  it('附件4: 填报地区, 期次 and every field of 30 students come back exactly', async () => {
    const people = generatePeople(30, { seed: 7, regionCode: '440300', classNo: 3 });
    const result = await extract('附件4-第3期.xlsx', await fillForm4(people, '440300', 3, { program }));
    expect(result.findings).toEqual([]);
    const forms = result.forms.filter((f): f is Form4 => f.form === '附件4');
    expect(forms).toHaveLength(1);
    const form = forms[0] as Form4;
    expect(form.regionCode).toBe('440300');
    expect(form.regionText).toBe('深圳市');
    expect(form.classNo).toBe(3);
    expect(form.headerRow).toBe(FORM4_LAYOUT.headerRow);
    expect(form.records).toHaveLength(people.length);
    form.records.forEach((rec, i) => {
      const p = people[i] as Person;
      expect(rec.row).toBe(FORM4_LAYOUT.firstDataRow + i);
      for (const f of FORM4.fields) {
        const expected = f.key === 'seq' ? String(i + 1) : p[f.key as keyof Person];
        expect(rec.values[f.key], `row ${rec.row} ${f.label}`).toBe(expected);
      }
      expect(errorsOf(rec.findings), `row ${rec.row}`).toEqual([]);
      expect(rec.cells?.idNumber).toBe(`H${FORM4_LAYOUT.firstDataRow + i}`);
    });
  });

  it('附件5 .docx: every field of the Word form comes back exactly', async () => {
    for (const p of generatePeople(5, { seed: 11, regionCode: '130000', classNo: 2 })) {
      const result = await extract(`附件5-${p.name}.docx`, await fillForm5Docx(p, { program }));
      const forms = result.forms.filter((f): f is Form5 => f.form === '附件5');
      expect(forms).toHaveLength(1);
      const rec = (forms[0] as Form5).record;
      for (const f of FORM5.fields) {
        expect(rec.values[f.key], `${p.name} ${f.label}`).toBe(
          expectedValue(f.type, p[f.key as keyof Person]),
        );
      }
      expect(errorsOf(rec.findings)).toEqual([]);
    }
  });

  it('附件5 .xlsx: every field of the label/value workbook comes back exactly', async () => {
    for (const p of generatePeople(5, { seed: 12, regionCode: '330200', classNo: 9 })) {
      const result = await extract(`附件5-${p.name}.xlsx`, await fillForm5Xlsx(p, { program }));
      const forms = result.forms.filter((f): f is Form5 => f.form === '附件5');
      expect(forms).toHaveLength(1);
      const rec = (forms[0] as Form5).record;
      for (const f of FORM5.fields) {
        expect(rec.values[f.key], `${p.name} ${f.label}`).toBe(
          expectedValue(f.type, p[f.key as keyof Person]),
        );
      }
      expect(errorsOf(rec.findings)).toEqual([]);
    }
  });

  it('附件3: contacts come back exactly', async () => {
    const contacts: Form3Contact[] = [
      {
        region: '河北省',
        unit: '河北省工业和信息化厅',
        department: '中小企业处',
        contact: '王明',
        position: '四级调研员',
        officePhone: '0311-87654321',
        mobile: '13912345678',
        email: 'hb-zxqy@example.cn',
        remark: '工作日 9:00-17:00',
      },
      {
        region: '新疆生产建设兵团',
        unit: '兵团工信局',
        contact: '李华',
        mobile: '13800001111',
        email: 'bt@example.cn',
      },
    ];
    const result = await extract('附件3.xlsx', await fillForm3(contacts, { program }));
    const forms = result.forms.filter((f): f is Form3 => f.form === '附件3');
    expect(forms).toHaveLength(1);
    const records = (forms[0] as Form3).records;
    expect(records).toHaveLength(2);
    records.forEach((rec, i) => {
      const c = contacts[i] as Record<string, string>;
      for (const f of FORM3.fields) {
        // 地区 is stored as its region code (spec §2), the rest as written.
        const expected = f.type === 'region' ? programRegions(program).resolve(c[f.key])?.code : c[f.key];
        expect(rec.values[f.key], `${i} ${f.label}`).toBe(expected);
      }
      expect(errorsOf(rec.findings)).toEqual([]);
    });
  });

  it('formula-like names and remarks written into 附件4 come back as the literal text', async () => {
    const people = generatePeople(4, { seed: 3, regionCode: '130000', classNo: 1 });
    const hostile = ['=HYPERLINK("http://evil.example/","点我")', '+1', '-2', '@SUM(A1:A9)'];
    hostile.forEach((name, i) => {
      (people[i] as Person).name = name;
    });
    const result = await extract('附件4.xlsx', await fillForm4(people, '河北省', 1, { program }));
    const form = result.forms.find((f): f is Form4 => f.form === '附件4');
    expect(form?.records.map((r) => r.values.name)).toEqual(hostile);
  });
});
