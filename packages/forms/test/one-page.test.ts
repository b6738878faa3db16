/** 附件5 prints on one A4 page in either format (issue 15); LibreOffice renders it when it is installed. */

import { readFile } from 'node:fs/promises';
import { parseProgram } from '@lingjun/program';
import { fillForm5Docx, fillForm5Xlsx, generatePeople } from '@lingjun/testing';
import ExcelJS from 'exceljs';
import { strFromU8, unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { buildForm5Docx, buildForm5Workbook } from '../src/index.ts';
import { renderedPages, SOFFICE } from './soffice.ts';

const program = parseProgram(
  JSON.parse(await readFile(new URL('../../../examples/program-2025.json', import.meta.url), 'utf8')),
);
const [person] = generatePeople(1, { seed: 77, regionCode: '130000', classNo: 1 });

if (!SOFFICE)
  console.warn(
    'soffice (LibreOffice) is not installed: 附件5 is checked by its page setup only, not rendered.',
  );

describe('附件5 on one page', () => {
  it('the .xlsx is set to print one page wide and one page tall', async () => {
    const wb = await buildForm5Workbook(program);
    const ps = wb.worksheets[0]!.pageSetup;
    expect(ps).toMatchObject({
      paperSize: 9,
      orientation: 'portrait',
      fitToPage: true,
      fitToWidth: 1,
      fitToHeight: 1,
    });
  });

  it('the .docx rows, at their minimum heights, fit the A4 body with room to spare for wrapped labels', async () => {
    const xml = strFromU8(unzipSync(await buildForm5Docx(program))['word/document.xml']!);
    const page = Number(/<w:pgSz[^>]*w:h="(\d+)"/.exec(xml)?.[1]);
    const top = Number(/<w:pgMar[^>]*w:top="(\d+)"/.exec(xml)?.[1]);
    const bottom = Number(/<w:pgMar[^>]*w:bottom="(\d+)"/.exec(xml)?.[1]);
    const rows = [...xml.matchAll(/<w:trHeight[^>]*w:val="(\d+)"/g)].map((m) => Number(m[1]));
    const body = page - top - bottom;
    const used = rows.reduce((a, b) => a + b, 0);
    // Title and note take about 1000 twips; labels that wrap to two lines add up to about 1500.
    expect(used + 1000 + 1500).toBeLessThanOrEqual(body);
  });

  it.skipIf(!SOFFICE)(
    'LibreOffice renders the blank and a filled 附件5 on one page, .docx and .xlsx',
    { timeout: 240_000 },
    async () => {
      expect(await renderedPages(await buildForm5Docx(program), 'docx')).toBe(1);
      expect(await renderedPages(await fillForm5Docx(person!, { program }), 'docx')).toBe(1);
      const xlsx = new Uint8Array(await (await buildForm5Workbook(program)).xlsx.writeBuffer());
      expect(await renderedPages(xlsx, 'xlsx')).toBe(1);
      expect(await renderedPages(await fillForm5Xlsx(person!, { program }), 'xlsx')).toBe(1);
    },
  );
});

describe('附件4 validation', () => {
  it('has one validation range per column, over the data rows only', async () => {
    const { buildForm4Workbook, FORM4_LAYOUT } = await import('../src/index.ts');
    const bytes = new Uint8Array(await (await buildForm4Workbook(program)).xlsx.writeBuffer());
    const xml = strFromU8(unzipSync(bytes)['xl/worksheets/sheet1.xml']!);
    const ranges = [...xml.matchAll(/<dataValidation [^>]*sqref="([^"]+)"/g)].map((m) => m[1]!);
    // C2 and G2 (填报地区, 培训期次 above the table) are single cells; every column below has one range.
    const columns = ranges.filter((r) => r.includes(':')).map((r) => r.replace(/\d+/g, '').split(':')[0]);
    expect(columns.length).toBeGreaterThan(5);
    expect(new Set(columns).size).toBe(columns.length);
    const first = FORM4_LAYOUT.firstDataRow;
    const last = first + FORM4_LAYOUT.dataRows - 1;
    for (const r of ranges.filter((x) => x.includes(':')))
      expect(r).toMatch(new RegExp(`^[A-Z]+${first}:[A-Z]+${last}$`));
    // The cells still carry their validation when the workbook is read back.
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(bytes as unknown as ExcelJS.Buffer);
    expect(
      wb.worksheets[0]!.getCell(`B${first}`).dataValidation ??
        wb.worksheets[0]!.getCell(`C${first}`).dataValidation,
    ).toBeDefined();
  });
});

describe('培训效果评价表', () => {
  it('says 培训 once in its title', async () => {
    const { buildEvaluationWorkbook } = await import('../src/index.ts');
    const title = String((await buildEvaluationWorkbook(program)).worksheets[0]!.getCell('A1').value);
    expect(title).toBe('2025年度中小企业经营管理领军人才培训效果评价表');
    expect(title).not.toContain('培训培训');
  });
});
