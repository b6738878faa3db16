/**
 * The same 附件4 as people re-save it: .xls (Excel 97), .et (WPS), .csv in GB18030, and inside a zip whose
 * entry name is GBK without the UTF-8 flag. Each reads to exactly the values of the original .xlsx; the same
 * 附件5 as .doc and .wps reads to the values of its .docx.
 */
import { readFile } from 'node:fs/promises';
import * as XLSX from '@e965/xlsx';
import { loadProgram, type Program } from '@lingjun/program';
import { fillForm4, fillForm5Docx, generatePeople } from '@lingjun/testing';
import iconv from 'iconv-lite';
import { beforeAll, describe, expect, it } from 'vitest';
import { extractForms, type Form4, type Form5, readAttachment } from '../src/index.ts';
import { gbk, writeZip } from './fixtures/build.ts';

let program: Program;
let original: Uint8Array;

beforeAll(async () => {
  program = await loadProgram(new URL('../../../examples/program-2025.json', import.meta.url).pathname);
  original = await fillForm4(
    generatePeople(12, { seed: 31, regionCode: '370000', classNo: 4 }),
    '370000',
    4,
    {
      program,
    },
  );
});

async function form4Of(filename: string, content: Uint8Array): Promise<Form4> {
  const read = await readAttachment({ filename, content });
  expect(read.unreadable, filename).toEqual([]);
  const forms = extractForms(read.documents, { program }).forms.filter((f): f is Form4 => f.form === '附件4');
  expect(forms, filename).toHaveLength(1);
  return forms[0]!;
}

/** Re-saves a workbook the way a spreadsheet program would, in another format. */
function resave(bookType: XLSX.BookType): Uint8Array {
  const wb = XLSX.read(original, { type: 'array' });
  return new Uint8Array(XLSX.write(wb, { type: 'buffer', bookType }) as Buffer);
}

function gb18030Csv(): Uint8Array {
  const wb = XLSX.read(original, { type: 'array' });
  const csv = XLSX.utils.sheet_to_csv(wb.Sheets[wb.SheetNames[0]!]!);
  return new Uint8Array(iconv.encode(csv, 'gb18030'));
}

describe('one 附件4 in every format provinces send', () => {
  it.each([
    ['.xls (BIFF8)', '附件4-第4期.xls', () => resave('biff8')],
    ['.et (WPS saves BIFF)', '附件4-第4期.et', () => resave('biff8')],
    ['.csv in GB18030', '附件4-第4期.csv', gb18030Csv],
    [
      '.zip with a GBK entry name',
      '山东.zip',
      () => writeZip([{ name: gbk('附件4-第4期.xlsx'), data: original }]),
    ],
  ])('%s reads to the same region, class and values as the .xlsx', async (_label, name, make) => {
    const expected = await form4Of('附件4-第4期.xlsx', original);
    const got = await form4Of(name, make());
    expect(got.regionCode).toBe('370000');
    expect(got.classNo).toBe(4);
    expect(got.records.map((r) => r.values)).toEqual(expected.records.map((r) => r.values));
    expect(got.records.map((r) => r.row)).toEqual(expected.records.map((r) => r.row));
    expect(got.records.flatMap((r) => r.findings.filter((f) => f.severity === 'error'))).toEqual([]);
    if (name.endsWith('.zip')) expect(got.file).toBe('山东.zip/附件4-第4期.xlsx');
  });
});

describe('one 附件5 as Word 97 .doc and WPS .wps', () => {
  // Fixtures converted once by LibreOffice (soffice --convert-to doc) from fillForm5Docx of this person;
  // WPS Writer's .wps of a form is the same Word 97 binary, which is how the NetEase sample carries it.
  const person = () => generatePeople(1, { seed: 41, regionCode: '370000', classNo: 3 })[0]!;
  const fixture = (name: string) => readFile(new URL(`./fixtures/${name}`, import.meta.url));

  it.each([
    ['form5-seed41.doc', '附件5-学员报名表.doc'],
    ['form5-seed41.wps', '附件5-学员报名表.wps'],
  ])('%s reads to the values of the .docx it was saved from', async (fixtureName, filename) => {
    const docx = await fillForm5Docx(person(), { program });
    const expected = await form5Of('附件5-学员报名表.docx', docx);
    const got = await form5Of(filename, new Uint8Array(await fixture(fixtureName)));
    expect(got.record.values).toEqual(expected.record.values);
    expect(got.record.values.idNumber).toBe(person().idNumber);
    expect(got.record.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });
});

async function form5Of(filename: string, content: Uint8Array): Promise<Form5> {
  const read = await readAttachment({ filename, content });
  expect(read.unreadable, filename).toEqual([]);
  const forms = extractForms(read.documents, { program }).forms.filter((f): f is Form5 => f.form === '附件5');
  expect(forms, filename).toHaveLength(1);
  return forms[0]!;
}
