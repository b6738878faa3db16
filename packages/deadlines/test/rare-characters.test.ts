import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { addTable, newWorkbook, workbookBytes } from '../src/sheet.ts';

describe('generated tables (roster, status, reports) and extension B-G names', () => {
  it('keep the name exactly and name SimSun-ExtB/ExtG for its rare characters, in the cell font', async () => {
    const wb = await newWorkbook();
    addTable(
      wb,
      '名单',
      '学员名单',
      [{ header: '姓名' }, { header: '人数', numeric: true }],
      [
        ['王𠮷', 1],
        ['孙𰻝', 2],
        ['买买提·艾力', 3],
      ],
    );
    const back = new ExcelJS.Workbook();
    await back.xlsx.load((await workbookBytes(wb)) as unknown as ArrayBuffer);
    const ws = back.getWorksheet('名单')!;
    expect([3, 4, 5].map((r) => ws.getCell(r, 1).text)).toEqual(['王𠮷', '孙𰻝', '买买提·艾力']);
    const runs = (ws.getCell(3, 1).value as ExcelJS.CellRichTextValue).richText;
    expect(runs.map((r) => [r.text, r.font?.name, r.font?.size])).toEqual([
      ['王', '宋体', 11],
      ['𠮷', 'SimSun-ExtB', 11],
    ]);
    expect((ws.getCell(4, 1).value as ExcelJS.CellRichTextValue).richText[1]?.font?.name).toBe('SimSun-ExtG');
    expect(ws.getCell(5, 1).value).toBe('买买提·艾力');
    expect(ws.getCell(3, 2).value).toBe(1);
  });
});
