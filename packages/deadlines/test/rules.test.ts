import { NOTICE_REGIONS } from '@lingjun/program';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { testProgram } from '../../../test/support/intake.ts';
import {
  addTable,
  applyQuotaChange,
  displayWidth,
  HEADER_ROW,
  missingFor,
  newWorkbook,
  programDeadlines,
  QuotaReductionError,
  quotaRegions,
  type RegionStatus,
  workbookBytes,
} from '../src/index.ts';

function status(over: Partial<RegionStatus> & { submitted?: string[] } = {}): RegionStatus {
  const { submitted, ...rest } = over;
  return {
    code: '440300',
    name: '深圳市',
    quota: { total: 12, perClass: { 1: 4 } },
    used: { total: 0, perClass: {} },
    contacts: ['sz@example.cn'],
    ...rest,
    submitted: new Set(submitted ?? []),
  };
}

describe('what a region owes', () => {
  it('owes 附件3 and class 1 at the first deadline, and the class quota once it has submitted', async () => {
    const program = await testProgram();
    const [first, last] = programDeadlines(program);
    expect(missingFor(program, status(), first!).map((m) => m.item)).toEqual(['FORM3', 'CLASS']);
    const partly = status({
      submitted: ['FORM3', 'C#01'],
      used: { total: 3, perClass: { 1: 3 } },
    });
    const owed = missingFor(program, partly, first!);
    expect(owed).toEqual([expect.objectContaining({ item: 'CLASS_QUOTA', classNo: 1, used: 3, limit: 4 })]);
    expect(owed[0]!.text).toContain('尚余1名');
    // The total is owed only at the last deadline, when no later class can take the places.
    const last9 = missingFor(program, partly, last!);
    expect(last9.map((m) => m.item)).toEqual(['CLASS', 'QUOTA']);
    expect(last9[1]).toMatchObject({ used: 3, total: 12 });
  });

  it('says a rejected submission left the class without students, not that nothing came', async () => {
    const program = await testProgram();
    const [first] = programDeadlines(program);
    const [cls] = missingFor(program, status({ submitted: ['FORM3', 'C#01'] }), first!);
    expect(cls).toMatchObject({ item: 'CLASS', classes: [1] });
    expect(cls!.text).toContain('尚无录取的学员');
  });

  it('owes nothing once the quota is full, and nothing for a class whose quota is zero', async () => {
    const program = await testProgram();
    const [first, last] = programDeadlines(program);
    const full = status({ submitted: ['FORM3', 'C#01'], used: { total: 12, perClass: { 1: 2, 2: 10 } } });
    expect(missingFor(program, full, first!)).toEqual([]);
    expect(missingFor(program, full, last!)).toEqual([]);
    const none = status({ quota: { total: 5, perClass: { 1: 0 } }, submitted: ['FORM3'] });
    expect(missingFor(program, none, first!)).toEqual([]);
  });
});

describe('quota changes', () => {
  const data = () => ({
    ...JSON.parse(JSON.stringify({ quotas: { '140000': { total: 5, perClass: { '1': 2 } } } })),
  });

  it('refuses a cut below what is accepted, with the numbers', async () => {
    const base = { ...(await testProgram()), quotas: data().quotas };
    expect(() =>
      applyQuotaChange(base, { region: '山西', total: 2 }, { total: 3, perClass: { 1: 2 } }),
    ).toThrowError(new QuotaReductionError('山西省已录取3名，总名额不能减至2名（至少3名）。'));
    expect(() =>
      applyQuotaChange(base, { region: '140000', total: 1, classNo: 1 }, { total: 3, perClass: { 1: 2 } }),
    ).toThrow(/第1期已录取2名.*至少2名/);
  });

  it('writes the new number and validates the program (a class quota above the total is refused)', async () => {
    const base = { ...(await testProgram()), quotas: data().quotas };
    const up = applyQuotaChange(base, { region: '山西省', total: 8 }, { total: 3, perClass: {} });
    expect(up.before).toBe(5);
    expect(up.program.quotas['140000']).toEqual({ total: 8, perClass: { '1': 2 } });
    expect(base.quotas['140000'].total).toBe(5);
    expect(() =>
      applyQuotaChange(base, { region: '山西', total: 9, classNo: 1 }, { total: 0, perClass: {} }),
    ).toThrow(/单期名额超过总名额/);
    const fresh = applyQuotaChange(base, { region: '兵团', total: 3 }, { total: 0, perClass: {} });
    expect(fresh.program.quotas['660000']).toEqual({ total: 3 });
    expect(() => applyQuotaChange(base, { region: '火星', total: 3 }, { total: 0, perClass: {} })).toThrow(
      /不是37个报送地区之一/,
    );
    expect(NOTICE_REGIONS).toHaveLength(37);
  });

  it('takes the regions of a program that declares its own, and lists quota regions in its order', async () => {
    const base = {
      ...(await testProgram()),
      regions: [
        { code: '130200', name: '唐山市', aliases: ['唐山'] },
        { code: '130100', name: '石家庄市', aliases: ['石家庄'] },
      ],
      quotas: { '130100': { total: 4 } },
      contacts: {},
    };
    const up = applyQuotaChange(base, { region: '唐山', total: 6 }, { total: 0, perClass: {} });
    expect(up.program.quotas['130200']).toEqual({ total: 6 });
    expect(quotaRegions(up.program)).toEqual([
      { code: '130200', name: '唐山市' },
      { code: '130100', name: '石家庄市' },
    ]);
    expect(() => applyQuotaChange(base, { region: '河北省', total: 3 }, { total: 0, perClass: {} })).toThrow(
      '不是2个报送地区之一：河北省',
    );
  });
});

describe('generated tables', () => {
  it('keep formula-like text as text, freeze the header and size columns to the widest value', async () => {
    const wb = await newWorkbook();
    addTable(
      wb,
      '名单',
      '标题',
      [{ header: '姓名' }, { header: '人数', numeric: true }],
      [
        ['=1+2', 3],
        ['@SUM(A1)', 4],
        ['中华人民共和国工业和信息化部中小企业局', 5],
      ],
    );
    const back = new ExcelJS.Workbook();
    await back.xlsx.load((await workbookBytes(wb)) as unknown as ArrayBuffer);
    const ws = back.getWorksheet('名单')!;
    expect(ws.getCell(HEADER_ROW + 1, 1).type).toBe(ExcelJS.ValueType.String);
    expect(ws.getCell(HEADER_ROW + 1, 1).value).toBe('=1+2');
    expect(ws.getCell(HEADER_ROW + 2, 1).value).toBe('@SUM(A1)');
    expect(ws.getCell(HEADER_ROW + 1, 2).value).toBe(3);
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: HEADER_ROW });
    expect(ws.getColumn(1).width).toBe(displayWidth('中华人民共和国工业和信息化部中小企业局') + 2);
    expect(ws.getColumn(2).width).toBe(6);
  });
});
