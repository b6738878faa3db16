/**
 * Names with characters of CJK extensions A-G (GB18030-2022) read exactly as written, whichever way the
 * sender's software stored them: numeric character references as openpyxl writes, plain UTF-8 as Excel/WPS
 * write, UTF-16 strings in .xls and .doc, four-byte GB18030 in CSV, and a .docx whose writer split a
 * character's UTF-16 halves between two runs.
 */
import { readFile } from 'node:fs/promises';
import * as XLSX from '@e965/xlsx';
import { loadProgram, type Program } from '@lingjun/program';
import { fillForm4, fillForm5Docx, generatePeople, type Person } from '@lingjun/testing';
import ExcelJS from 'exceljs';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import iconv from 'iconv-lite';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  annotateWorkbook,
  applyFallbackFonts,
  extensionFont,
  extractForms,
  type Form4,
  type Form5,
  fontRuns,
  readAttachment,
} from '../src/index.ts';
import { joinSurrogateRefs } from '../src/readers/docx.ts';
import { decodeCharRefs } from '../src/readers/sheet.ts';
import { buildCfb, cfbStreams } from './fixtures/build.ts';

/** One name per extension: B (two), C, D, E, F, G, A, and a name with a middle dot. */
export const RARE_NAMES = [
  '王𠮷', // U+20BB7, extension B
  '张𪚥林', // U+2A6A5, extension B
  '李𪜀', // U+2A700, extension C
  '赵𫝀', // U+2B740, extension D
  '陈𬱖', // U+2CC56, extension E
  '刘𬺰', // U+2CEB0, extension F
  '孙𰻝𰻝', // U+30EDD, extension G
  '龚䶮', // U+4DAE, extension A
  '买买提·艾力',
];

let program: Program;
let people: Person[];
let utf8Form4: Uint8Array;

beforeAll(async () => {
  program = await loadProgram(new URL('../../../examples/program-2025.json', import.meta.url).pathname);
  people = generatePeople(RARE_NAMES.length, { seed: 77, regionCode: '370000', classNo: 4 }).map((p, i) => ({
    ...p,
    name: RARE_NAMES[i]!,
  }));
  utf8Form4 = await fillForm4(people, '370000', 4, { program });
});

async function form4Of(filename: string, content: Uint8Array): Promise<Form4> {
  const read = await readAttachment({ filename, content });
  expect(read.unreadable, filename).toEqual([]);
  const forms = extractForms(read.documents, { program }).forms.filter((f): f is Form4 => f.form === '附件4');
  expect(forms, filename).toHaveLength(1);
  return forms[0]!;
}

async function form5Of(filename: string, content: Uint8Array): Promise<Form5> {
  const read = await readAttachment({ filename, content });
  expect(read.unreadable, filename).toEqual([]);
  const forms = extractForms(read.documents, { program }).forms.filter((f): f is Form5 => f.form === '附件5');
  expect(forms, filename).toHaveLength(1);
  return forms[0]!;
}

/** Every character above ASCII as a numeric reference, decimal or hex: what an ASCII-encoding XML writer does. */
function asReferences(xml: string, hex = false): string {
  let out = '';
  for (const ch of xml) {
    const cp = ch.codePointAt(0)!;
    out += cp < 0x80 ? ch : hex ? `&#x${cp.toString(16).toUpperCase()};` : `&#${cp};`;
  }
  return out;
}

/** The package with every XML part rewritten by `change`. */
function rewriteXml(bytes: Uint8Array, change: (xml: string, name: string) => string): Uint8Array {
  const parts = unzipSync(bytes);
  for (const [name, data] of Object.entries(parts)) {
    if (name.endsWith('.xml') || name.endsWith('.rels')) parts[name] = strToU8(change(strFromU8(data), name));
  }
  return zipSync(parts);
}

describe('decodeCharRefs: references as SheetJS receives them (UTF-8 bytes, one char a byte)', () => {
  const bytes = (s: string) => Buffer.from(s, 'utf8').toString('latin1');

  it('turns references beyond U+007F into the UTF-8 bytes of the code point', () => {
    expect(decodeCharRefs('<t>&#134071;&#x2A6A5;&#X30EDD;&#27704;</t>')).toBe(bytes('<t>𠮷𪚥𰻝永</t>'));
  });

  it('keeps references that may be markup, surrogate halves and non-characters', () => {
    const kept = '<t>&#60;&#x26;&#38;&#xD842;&#xDFB7;&#xFFFE;&#1114112;</t>';
    expect(decodeCharRefs(kept)).toBe(kept);
  });
});

describe('joinSurrogateRefs', () => {
  it('joins UTF-16 halves written as references, also across runs, and leaves text between them alone', () => {
    expect(joinSurrogateRefs('<w:t>王&#xD842;&#xDFB7;</w:t>')).toBe('<w:t>王&#x20bb7;</w:t>');
    expect(joinSurrogateRefs('&#55362;</w:t></w:r><w:r><w:rPr/><w:t>&#57271;吉')).toBe(
      '&#x20bb7;</w:t></w:r><w:r><w:rPr/><w:t>吉',
    );
    const apart = '&#xD842;x&#xDFB7;';
    expect(joinSurrogateRefs(apart)).toBe(apart);
  });
});

describe('a 附件4 whose names carry extension A-G characters', () => {
  const names = () => RARE_NAMES;

  it('reads the Excel-style UTF-8 workbook exactly', async () => {
    const got = await form4Of('附件4.xlsx', utf8Form4);
    expect(got.records.map((r) => r.values.name)).toEqual(names());
  });

  it.each([
    ['decimal', false],
    ['hex', true],
  ])('reads every part written with %s references (openpyxl style) to the same values', async (_l, hex) => {
    const refs = rewriteXml(utf8Form4, (xml) => asReferences(xml, hex));
    // The references are really there: the shared strings hold no character above ASCII.
    expect(strFromU8(unzipSync(refs)['xl/sharedStrings.xml']!)).toMatch(/^[\x00-\x7f]*$/);
    expect(strFromU8(unzipSync(refs)['xl/sharedStrings.xml']!)).toContain(hex ? '&#x20BB7;' : '&#134071;');
    const expected = await form4Of('附件4.xlsx', utf8Form4);
    const got = await form4Of('附件4.xlsx', refs);
    expect(got.records.map((r) => r.values.name)).toEqual(names());
    expect(got.records.map((r) => r.values)).toEqual(expected.records.map((r) => r.values));
    expect(got.regionCode).toBe('370000');
    expect(got.classNo).toBe(4);
  });

  it('reads references in inline strings, formula results and the sheet name', async () => {
    const xml = (cell: string) =>
      `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">${cell}</row></sheetData></worksheet>`;
    const wb = XLSX.utils.book_new();
    XLSX.utils.book_append_sheet(wb, XLSX.utils.aoa_to_sheet([['x', 'y']]), '名单𠮷');
    const base = new Uint8Array(XLSX.write(wb, { type: 'buffer', bookType: 'xlsx' }) as Buffer);
    const crafted = rewriteXml(base, (text, name) =>
      name === 'xl/worksheets/sheet1.xml'
        ? xml(
            '<c r="A1" t="inlineStr"><is><t>王&#134071;</t></is></c><c r="B1" t="str"><f>"x"</f><v>&#x2CC56;陈</v></c>',
          )
        : asReferences(text),
    );
    const read = await readAttachment({ filename: 'a.xlsx', content: crafted });
    expect(read.unreadable).toEqual([]);
    const grid = read.documents[0]!.grids[0]!;
    expect(grid.name).toBe('名单𠮷');
    expect(grid.rows[0]!.cells).toEqual(['王𠮷', '𬱖陈']);
  });

  it('keeps surrogate pairs in .xls (BIFF8 stores UTF-16) and .et', async () => {
    const xls = new Uint8Array(
      XLSX.write(XLSX.read(utf8Form4, { type: 'array' }), { type: 'buffer', bookType: 'biff8' }) as Buffer,
    );
    // The name's UTF-16 code units are in the workbook stream as written, high surrogate first.
    const stream = Buffer.from(cfbStreams(xls)['Workbook']!);
    expect(stream.includes(Buffer.from('𠮷', 'utf16le'))).toBe(true);
    for (const name of ['附件4.xls', '附件4.et']) {
      const got = await form4Of(name, xls);
      expect(got.records.map((r) => r.values.name)).toEqual(names());
    }
  });

  it('reads four-byte GB18030 sequences of a CSV saved by Chinese Excel', async () => {
    const wb = XLSX.read(utf8Form4, { type: 'array' });
    const csv = iconv.encode(XLSX.utils.sheet_to_csv(wb.Sheets[wb.SheetNames[0]!]!), 'gb18030');
    // 𠮷 is 0x95 0x34 0xB2 0x35 in GB18030: no UTF-8 decoder would take these bytes.
    expect(csv.includes(Buffer.from([0x95, 0x34, 0xb2, 0x35]))).toBe(true);
    const got = await form4Of('附件4.csv', new Uint8Array(csv));
    expect(got.records.map((r) => r.values.name)).toEqual(names());
  });
});

describe('a 附件5 whose name carries extension B-G characters', () => {
  it.each(RARE_NAMES.slice(0, 7))('reads %s from the .docx exactly', async (name) => {
    const person = { ...people[0]!, name };
    const got = await form5Of('附件5.docx', await fillForm5Docx(person, { program }));
    expect(got.record.values.name).toBe(name);
  });

  it('reads a name split between runs at a rare character and one stored as UTF-16 halves', async () => {
    const person = { ...people[0]!, name: '王𠮷吉' };
    const docx = await fillForm5Docx(person, { program });
    // Word puts an extension-B character in a run of its own with its fallback font; a UTF-16 writer
    // stores it as two references, here split between two runs.
    const split = (halves: boolean) =>
      rewriteXml(docx, (xml, part) =>
        part !== 'word/document.xml'
          ? xml
          : xml.replace(
              /(<w:r>(?:<w:rPr>(?:(?!<\/w:rPr>).)*<\/w:rPr>)?<w:t[^>]*>)王𠮷吉(<\/w:t><\/w:r>)/,
              halves
                ? '$1王&#xD842;$2<w:r><w:t>&#xDFB7;吉$2'
                : '$1王$2<w:r><w:rPr><w:rFonts w:eastAsia="SimSun-ExtB" w:hint="eastAsia"/></w:rPr><w:t>𠮷</w:t></w:r><w:r><w:t>吉$2',
            ),
      );
    for (const halves of [false, true]) {
      const bytes = split(halves);
      expect(strFromU8(unzipSync(bytes)['word/document.xml']!)).not.toContain('王𠮷吉');
      const got = await form5Of('附件5.docx', bytes);
      expect(got.record.values.name).toBe('王𠮷吉');
    }
  });

  it('reads an extension-B name from a Word 97 .doc (UTF-16 text pieces)', async () => {
    // The fixture was converted by LibreOffice from the .docx of seed 41 (苏国). soffice is not on this
    // machine, so the name's two UTF-16 code units are swapped in place for one surrogate pair: every
    // offset of the piece table stays true, as if Word had written 𪚥 there.
    const doc = await readFile(new URL('./fixtures/form5-seed41.doc', import.meta.url));
    const streams = cfbStreams(new Uint8Array(doc));
    const word = Buffer.from(streams['WordDocument']!);
    const at = word.indexOf(Buffer.from('苏国', 'utf16le'));
    expect(at).toBeGreaterThan(0);
    Buffer.from('𪚥', 'utf16le').copy(word, at);
    const patched = buildCfb({ ...streams, WordDocument: new Uint8Array(word) });
    const original = await form5Of('附件5.doc', new Uint8Array(doc));
    const got = await form5Of('附件5.doc', patched);
    expect(got.record.values.name).toBe('𪚥');
    expect({ ...got.record.values, name: '苏国' }).toEqual(original.record.values);
  });
});

describe('fonts that can print what was written', () => {
  it('cuts text into runs at each change of fallback font', () => {
    expect(fontRuns('王𠮷𪚥·𰻝明')).toEqual([
      { text: '王' },
      { text: '𠮷𪚥', font: 'SimSun-ExtB' },
      { text: '·' },
      { text: '𰻝', font: 'SimSun-ExtG' },
      { text: '明' },
    ]);
    expect(fontRuns('买买提·艾力')).toEqual([{ text: '买买提·艾力' }]);
    // Extension A is in 宋体 itself; the compatibility supplement is in SimSun-ExtB.
    expect(extensionFont(0x4dae)).toBeUndefined();
    expect(extensionFont(0x2f800)).toBe('SimSun-ExtB');
    expect(extensionFont(0x2a700)).toBe('SimSun-ExtG');
  });

  it('gives a cell with extension characters runs in its own font and the fallback', async () => {
    const wb = new ExcelJS.Workbook();
    const cell = wb.addWorksheet('x').getCell('A1');
    cell.value = '陈𬱖';
    cell.font = { name: '宋体', size: 11, bold: true };
    applyFallbackFonts(cell);
    expect(cell.text).toBe('陈𬱖');
    expect((cell.value as ExcelJS.CellRichTextValue).richText).toEqual([
      { text: '陈', font: { name: '宋体', size: 11, bold: true } },
      { text: '𬱖', font: { name: 'SimSun-ExtG', size: 11, bold: true, charset: 134 } },
    ]);
    const plain = wb.getWorksheet('x')!.getCell('A2');
    plain.value = '张三';
    applyFallbackFonts(plain);
    expect(plain.value).toBe('张三');
  });

  it.each([
    ['附件4.xlsx', () => utf8Form4],
    ['附件4.csv', () => csvOf(utf8Form4)],
  ])('the annotated %s keeps every name and names the fallback font', async (file, bytes) => {
    const form4 = await form4Of(file, bytes());
    const row = form4.records[0]!.row!;
    const finding = {
      code: 'TYPE_OTHER_ONLY',
      severity: 'warning' as const,
      message: '企业类型为“其他”',
      form: '附件4' as const,
      file,
      row,
      field: '企业类型',
      student: RARE_NAMES[0]!,
    };
    const out = await annotateWorkbook(
      { content: bytes(), format: file.endsWith('.xlsx') ? 'xlsx' : 'csv', file },
      form4,
      [finding as never],
      new Map(form4.records.map((r) => [r.row!, { accepted: true }])),
    );
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(out as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    const names: ExcelJS.Cell[] = [];
    ws.eachRow((r) =>
      r.eachCell((c) => {
        if (c.type !== ExcelJS.ValueType.Merge && RARE_NAMES.includes(c.text)) names.push(c);
      }),
    );
    expect(names.map((c) => c.text)).toEqual(RARE_NAMES);
    const ji = names[0]!.value as ExcelJS.CellRichTextValue;
    expect(ji.richText.map((r) => [r.text, r.font?.name])).toEqual([
      ['王', '宋体'],
      ['𠮷', 'SimSun-ExtB'],
    ]);
  });
});

function csvOf(xlsx: Uint8Array): Uint8Array {
  const wb = XLSX.read(xlsx, { type: 'array' });
  return new Uint8Array(iconv.encode(XLSX.utils.sheet_to_csv(wb.Sheets[wb.SheetNames[0]!]!), 'gb18030'));
}
