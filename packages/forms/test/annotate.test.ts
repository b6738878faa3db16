import XLSX from '@e965/xlsx';
import {
  annotatedFileName,
  annotateWorkbook,
  extractForms,
  FORM4,
  FORM4_LAYOUT,
  type Form4,
  isFormulaLike,
  type RowStatus,
  readAttachment,
  STATUS_HEADER,
  safeCellText,
  setCellText,
} from '@lingjun/forms';
import { loadProgram, type Program } from '@lingjun/program';
import { type Finding, finding } from '@lingjun/rules';
import { fillForm4, generatePeople, type Person } from '@lingjun/testing';
import ExcelJS from 'exceljs';
import { strFromU8, unzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';

const PROGRAM_FILE = new URL('../../../examples/program-2025.json', import.meta.url).pathname;
const FILE = '附件4-第1期.xlsx';
const RED = 'FFFFC7CE';
const YELLOW = 'FFFFEB9C';

let program: Program;
let original: Uint8Array;
let form4: Form4;
let findings: Finding[];

const col = (key: string) => FORM4.fields.findIndex((f) => f.key === key) + 1;
const letter = (key: string) => String.fromCharCode(64 + col(key));
const row = (i: number) => FORM4_LAYOUT.firstDataRow + i;

/** Breaks the check digit of an ID number. */
function breakId(id: string): string {
  const last = id.slice(-1);
  return id.slice(0, 17) + (last === '0' ? '1' : '0');
}

async function load(bytes: Uint8Array): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(Buffer.from(bytes) as unknown as ExcelJS.Buffer);
  return wb;
}

function noteText(cell: ExcelJS.Cell): string {
  const n = cell.note as unknown;
  if (typeof n === 'string') return n;
  const texts = (n as { texts?: { text: string }[] } | undefined)?.texts ?? [];
  return texts.map((t) => t.text).join('');
}

function fillColor(cell: ExcelJS.Cell): string | undefined {
  const f = cell.fill as ExcelJS.FillPattern | undefined;
  return f?.type === 'pattern' ? f.fgColor?.argb : undefined;
}

beforeAll(async () => {
  program = await loadProgram(PROGRAM_FILE);
  const people = generatePeople(4, { seed: 5, regionCode: '130000', classNo: 1 });
  (people[1] as Person).idNumber = breakId((people[1] as Person).idNumber);
  original = await fillForm4(people, '河北省', 1, { program });
  const read = await readAttachment({ filename: FILE, content: original });
  const extracted = extractForms(read.documents, { program });
  const f = extracted.forms.find((x): x is Form4 => x.form === '附件4');
  if (!f) throw new Error('fixture is not read as 附件4');
  form4 = f;
  findings = [
    ...form4.records.flatMap((r) => r.findings),
    finding('NOT_PRINCIPAL', '职务“副总经理”不是企业主要负责人，原则上应为企业一把手。', {
      form: '附件4',
      file: FILE,
      row: row(2),
      field: '职务',
    }),
    finding('FORM_MISSING', '缺少该学员的附件5学员报名表，请补充发送。', {
      form: '附件4',
      file: FILE,
      row: row(3),
    }),
    finding('UNKNOWN_REGION', '填报地区不是37个报送地区之一。', {
      form: '附件4',
      file: FILE,
      field: '填报地区',
    }),
  ];
});

const status = (): Map<number, RowStatus> =>
  new Map([
    [row(0), { accepted: true }],
    [row(1), { accepted: false, reason: '身份证号码有误' }],
    [row(2), { accepted: true }],
    [row(3), { accepted: false, reason: '缺少附件5' }],
  ]);

describe('annotateWorkbook on an .xlsx original', () => {
  it('fills and explains the offending cells and appends 受理情况', async () => {
    expect(findings.some((f) => f.code === 'ID_CHECKSUM' && f.row === row(1))).toBe(true);
    const out = await annotateWorkbook(
      { content: original, format: 'xlsx', file: FILE },
      form4,
      findings,
      status(),
    );
    const wb = await load(out);
    const ws = wb.getWorksheet(FORM4.title);
    if (!ws) throw new Error('sheet lost');

    const id = ws.getCell(`${letter('idNumber')}${row(1)}`);
    expect(fillColor(id)).toBe(RED);
    expect(noteText(id)).toContain('【错误】');
    expect(noteText(id)).toContain(findings.find((f) => f.code === 'ID_CHECKSUM')?.message);

    const title = ws.getCell(`${letter('title')}${row(2)}`);
    expect(fillColor(title)).toBe(YELLOW);
    expect(noteText(title)).toContain('【提示】');

    // A finding without a field marks the student's 姓名 cell.
    const name = ws.getCell(`${letter('name')}${row(3)}`);
    expect(fillColor(name)).toBe(RED);
    expect(noteText(name)).toContain('附件5');

    // A finding about the form goes on the 填报地区 value above the table.
    const region = ws.getCell(FORM4_LAYOUT.regionCell);
    expect(fillColor(region)).toBe(RED);
    expect(noteText(region)).toContain('填报地区');

    const statusCol = FORM4.fields.length + 1;
    expect(ws.getCell(FORM4_LAYOUT.headerRow, statusCol).value).toBe(STATUS_HEADER);
    expect(ws.getCell(row(0), statusCol).value).toBe('受理');
    expect(ws.getCell(row(1), statusCol).value).toBe('未受理：身份证号码有误');
    expect(ws.getCell(row(3), statusCol).value).toBe('未受理：缺少附件5');
  });

  it('sizes the 受理情况 column to its text, and grows the row of a reason longer than the widest column', async () => {
    const short = await load(
      await annotateWorkbook({ content: original, format: 'xlsx', file: FILE }, form4, findings, status()),
    );
    const col = FORM4.fields.length + 1;
    // “未受理：身份证号码有误” is 22 columns wide: the column fits it without wrapping.
    expect(short.getWorksheet(FORM4.title)!.getColumn(col).width).toBe(24);
    const long =
      '该企业本年度已有学员报名（已由河北省报名第1期，北京）。每个企业本年度仅可报名一个培训班，且限报一人（通知第十二段）。';
    const wb = await load(
      await annotateWorkbook(
        { content: original, format: 'xlsx', file: FILE },
        form4,
        findings,
        new Map([[row(1), { accepted: false, reason: long }]]),
      ),
    );
    const ws = wb.getWorksheet(FORM4.title)!;
    expect(ws.getColumn(col).width).toBe(60);
    expect(ws.getCell(row(1), col).value).toBe(`未受理：${long}`);
    expect(ws.getRow(row(1)).height).toBeGreaterThanOrEqual(3 * 16);
  });

  it('leaves everything else as sent: other cells unfilled, values, validations and the list sheet intact', async () => {
    const out = await annotateWorkbook(
      { content: original, format: 'xlsx', file: FILE },
      form4,
      findings,
      status(),
    );
    const before = await load(original);
    const after = await load(out);
    const a = after.getWorksheet(FORM4.title);
    const b = before.getWorksheet(FORM4.title);
    if (!a || !b) throw new Error('sheet lost');
    // Cells that share the ID cell's style in the file must not be filled with it.
    expect(fillColor(a.getCell(`${letter('idNumber')}${row(0)}`))).toBeUndefined();
    expect(fillColor(a.getCell(`${letter('uscc')}${row(1)}`))).toBeUndefined();
    expect(noteText(a.getCell(`${letter('uscc')}${row(1)}`))).toBe('');
    for (let r = 1; r <= row(3); r++) {
      for (let c = 1; c <= FORM4.fields.length; c++) {
        expect(a.getCell(r, c).value, `${r},${c}`).toEqual(b.getCell(r, c).value);
      }
    }
    expect(a.getCell(row(0), col('sex')).dataValidation?.type).toBe('list');
    expect(after.getWorksheet('Lists')?.state).toBe('hidden');
    expect(annotatedFileName('报名/附件4-第1期.xls')).toBe('附件4-第1期（审核标注）.xlsx');

    // The returned workbook is still read as the same 附件4 (the status column is ignored).
    const read = await readAttachment({ filename: annotatedFileName(FILE), content: out });
    const again = extractForms(read.documents, { program }).forms.find((x): x is Form4 => x.form === '附件4');
    expect(again?.records.map((r) => r.values)).toEqual(form4.records.map((r) => r.values));
  });
});

describe('annotateWorkbook on an .xls/.et/.csv original', () => {
  it('rebuilds a clean workbook in the definition order with 原表行号 and the marks moved along', async () => {
    const out = await annotateWorkbook(
      { content: new Uint8Array([0xd0, 0xcf, 0x11, 0xe0]), format: 'xls', file: '附件4.xls' },
      { ...form4, file: '附件4.xls' },
      findings.map((f) => ({ ...f, file: '附件4.xls' })),
      status(),
    );
    const wb = await load(out);
    const ws = wb.worksheets[0];
    if (!ws) throw new Error('no sheet');
    const headerRow = 4;
    const labels = Array.from(
      { length: FORM4.fields.length + 2 },
      (_, i) => ws.getCell(headerRow, i + 1).value,
    );
    expect(labels).toEqual([...FORM4.fields.map((f) => f.label), '原表行号', STATUS_HEADER]);
    // Second student: original row 7 → rebuilt row 6.
    const r = headerRow + 2;
    expect(ws.getCell(r, col('name')).value).toBe(form4.records[1]?.values.name);
    expect(ws.getCell(r, FORM4.fields.length + 1).value).toBe(row(1));
    expect(fillColor(ws.getCell(r, col('idNumber')))).toBe(RED);
    expect(noteText(ws.getCell(r, col('idNumber')))).toContain('【错误】');
    expect(fillColor(ws.getCell(r, col('uscc')))).toBeUndefined();
    expect(ws.getCell(r, FORM4.fields.length + 2).value).toBe('未受理：身份证号码有误');
    expect(fillColor(ws.getCell(headerRow + 3, col('title')))).toBe(YELLOW);
  });
});

describe('formula injection', () => {
  const hostile = ['=HYPERLINK("http://evil.example/","点我")', '+1', '-2', '@SUM(A1:A9)', '\t=1+1', '＝1+1'];

  it('recognises formula starts and guards text-only sinks with an apostrophe', () => {
    for (const h of hostile) {
      expect(isFormulaLike(h), h).toBe(true);
      expect(safeCellText(h)).toBe(`'${h}`);
    }
    for (const ok of ['张三', '13912345678', '1975.06', '']) {
      expect(isFormulaLike(ok), ok).toBe(false);
      expect(safeCellText(ok)).toBe(ok);
    }
  });

  it('setCellText writes literal, text-formatted strings that Excel, SheetJS and exceljs read as text', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('t');
    hostile.forEach((h, i) => {
      setCellText(ws.getCell(i + 1, 1), h);
    });
    setCellText(ws.getCell(hostile.length + 1, 1), '张三');
    const bytes = new Uint8Array(await wb.xlsx.writeBuffer());
    const xml = strFromU8(unzipSync(bytes)['xl/worksheets/sheet1.xml'] ?? new Uint8Array());
    expect(xml).not.toContain('<f>');
    const back = (await load(bytes)).getWorksheet('t');
    hostile.forEach((h, i) => {
      const cell = back?.getCell(i + 1, 1);
      expect(cell?.type, h).toBe(ExcelJS.ValueType.String);
      expect(cell?.value).toBe(h);
      expect(cell?.numFmt).toBe('@');
    });
    const sheet = XLSX.read(bytes, { type: 'array', cellFormula: true }).Sheets.t;
    hostile.forEach((h, i) => {
      const cell = sheet?.[`A${i + 1}`];
      expect(cell?.t).toBe('s');
      expect(cell?.f).toBeUndefined();
      expect(cell?.v).toBe(h);
    });
  });

  it('annotated workbooks (in place and rebuilt) carry hostile names and reasons as literal text', async () => {
    const records = form4.records.map((r, i) => ({
      ...r,
      values: { ...r.values, name: hostile[i] ?? r.values.name ?? '' },
    }));
    const hostileForm: Form4 = { ...form4, records };
    const reasons = new Map<number, RowStatus>([
      [row(0), { accepted: false, reason: '=cmd|"/c calc"!A1' }],
      [row(1), { accepted: false, reason: '+1' }],
    ]);
    for (const format of ['xlsx', 'csv']) {
      const out = await annotateWorkbook(
        { content: original, format, file: FILE },
        hostileForm,
        findings,
        reasons,
      );
      const xml = Object.entries(unzipSync(out))
        .filter(([n]) => n.startsWith('xl/worksheets/'))
        .map(([, b]) => strFromU8(b))
        .join('');
      expect(xml, format).not.toContain('<f>');
      const wb = await load(out);
      const ws = wb.worksheets.find((w) => w.state !== 'hidden');
      const texts: unknown[] = [];
      ws?.eachRow((r) => {
        r.eachCell((c) => {
          expect(c.type, `${format} ${c.address}`).not.toBe(ExcelJS.ValueType.Formula);
          texts.push(c.value);
        });
      });
      expect(texts, format).toContain('未受理：=cmd|"/c calc"!A1');
      if (format === 'csv') for (const h of hostile.slice(0, 4)) expect(texts).toContain(h);
    }
  });
});
