import { generatePeople } from '@lingjun/testing';
import { describe, expect, it } from 'vitest';
import {
  type CellValue,
  extractForms,
  FORM5,
  type Form3,
  type Form4,
  type Form5,
  type RawDocument,
} from '../src/index.ts';
import { ctx, form4Doc, form5Doc, form5Grid } from './support/extract-fixtures.ts';

const rowsOf = (cells: CellValue[][]) => cells.map((c, i) => ({ row: i + 1, cells: c }));

function form3Doc(file: string): RawDocument {
  return {
    file,
    format: 'xlsx',
    grids: [
      {
        name: '工作信息表',
        rows: rowsOf([
          ['附件3', null],
          ['领军人才培训工作信息表'],
          ['地区', '单位名称', '处室', '联系人', '职务', '办公电话', '手机号码', '电子邮箱', '备注'],
          [
            '河北',
            '河北省工业和信息化厅',
            '中小企业处',
            '王五',
            '副处长',
            '0311-87654321',
            '138 0311 0000',
            'hb＠example.cn',
            '',
          ],
        ]),
      },
    ],
  };
}

describe('form recognition by content, not file name', () => {
  it('a 附件4 named like a 附件5 document is still 附件4; a 附件3 named 附件4 is 附件3', () => {
    const r = extractForms(
      [form4Doc(generatePeople(2), { file: '附件5-学员报名表.xlsx' }), form3Doc('附件4-第1期.xlsx')],
      ctx,
    );
    expect(r.forms.map((f) => [f.form, f.file])).toEqual([
      ['附件4', '附件5-学员报名表.xlsx'],
      ['附件3', '附件4-第1期.xlsx'],
    ]);
    const f3 = r.forms[1] as Form3;
    expect(f3.records).toHaveLength(1);
    expect(f3.records[0]!.values).toMatchObject({
      region: '130000',
      contact: '王五',
      mobile: '13803110000',
      email: 'hb@example.cn',
    });
    expect(f3.records[0]!.findings).toEqual([]);
  });

  it('附件3 with an unknown region gives UNKNOWN_REGION for 地区', () => {
    const doc = form3Doc('x.xlsx');
    doc.grids[0]!.rows[3]!.cells[0] = '火星';
    const f3 = extractForms([doc], ctx).forms[0] as Form3;
    expect(f3.records[0]!.findings.map((f) => [f.code, f.field, f.row])).toEqual([
      ['UNKNOWN_REGION', '地区', 4],
    ]);
  });

  it('a 附件5 named 附件4.docx is 附件5; a text-only 附件4.doc with tab-separated cells is 附件5', () => {
    const [a, b] = generatePeople(2, { seed: 31 });
    const text = form5Grid(b!)
      .map((r) => r.cells.map((c) => String(c ?? '')).join('\t'))
      .join('\r\n');
    const r = extractForms(
      [form5Doc([a!], '附件4.docx'), { file: '附件4汇总.doc', format: 'doc', grids: [], text }],
      ctx,
    );
    expect(r.forms.map((f) => [f.form, f.file])).toEqual([
      ['附件5', '附件4.docx'],
      ['附件5', '附件4汇总.doc'],
    ]);
    const f5 = r.forms as Form5[];
    expect(f5[1]!.record.values.idNumber).toBe(b!.idNumber);
    expect(f5[1]!.record.values.name).toBe(b!.name);
    expect(f5.flatMap((f) => f.record.findings)).toEqual([]);
  });

  it('reads 附件5 as a workbook with one label/value pair per row, one form per sheet, with rows and cells', () => {
    const people = generatePeople(2, { seed: 41 });
    const doc: RawDocument = {
      file: '报名材料.xlsx',
      format: 'xlsx',
      grids: people.map((p, i) => ({
        name: `学员${i + 1}`,
        rows: rowsOf([
          ['领军人才培训学员报名表'],
          ...FORM5.fields.map((f) => [
            f.label + (f.required ? '*' : ''),
            f.key === 'idNumber' && i === 1
              ? '123'
              : ((p as unknown as Record<string, string>)[f.key] ?? null),
          ]),
        ]),
      })),
    };
    const r = extractForms([doc], ctx);
    expect(r.forms.map((f) => f.form)).toEqual(['附件5', '附件5']);
    const [f1, f2] = r.forms as Form5[];
    expect(f1!.record.findings).toEqual([]);
    expect(f1!.record.sheet).toBe('学员1');
    const idRow = 2 + FORM5.fields.findIndex((f) => f.key === 'idNumber');
    expect(f1!.record.cells?.idNumber).toBe(`B${idRow}`);
    expect(f2!.record.findings.map((f) => [f.code, f.field, f.row])).toEqual([
      ['ID_CHECKSUM', '身份证号码', idRow],
    ]);
  });

  it('reads labels with values in the same cell, labels over values, and empty value cells', () => {
    const [p] = generatePeople(1, { seed: 51 });
    const v = p as unknown as Record<string, string>;
    const doc: RawDocument = {
      file: 'form.docx',
      format: 'docx',
      grids: [
        {
          name: '表格1',
          fromDocument: true,
          rows: rowsOf([
            [`姓名：${p!.name}  性别：${p!.sex}`, `民族：${p!.ethnicity}`, '照片'],
            ['出生年月', '政治面貌', '学历'],
            [p!.birth.replace('-', '.'), p!.politics, p!.education],
            ['身份证号码', v.idNumber!, null, '企业名称', p!.enterprise, p!.enterprise],
            ['统一社会信用代码', p!.uscc, '职务', p!.title],
            ['企业类型', p!.enterpriseType, '所属行业', ''],
            ['员工人数', p!.employees, '上年度营业收入（万元）', p!.revenue],
            ['手机号码', p!.mobile, '电子邮箱', ''],
            ['培训期次', '第一期'],
            ['个人简历'],
            [p!.resume],
          ]),
        },
      ],
    };
    const f = extractForms([doc], ctx).forms[0] as Form5;
    expect(f.form).toBe('附件5');
    expect(f.record.findings).toEqual([]);
    expect(f.record.values).toMatchObject({
      name: p!.name,
      sex: p!.sex,
      birth: p!.birth,
      idNumber: p!.idNumber,
      enterprise: p!.enterprise,
      classNo: '1',
      resume: p!.resume,
    });
    expect(f.record.values.industry).toBeUndefined();
    expect(f.record.values.email).toBeUndefined();
  });

  it('a grid that is neither form gives nothing', () => {
    const doc: RawDocument = {
      file: 'notes.xlsx',
      format: 'xlsx',
      grids: [
        {
          name: 'S',
          rows: rowsOf([
            ['姓名', '电话'],
            ['张三', '138'],
          ]),
        },
      ],
    };
    expect(extractForms([doc], ctx)).toEqual({ forms: [], findings: [] });
  });

  it('a 附件4 whose header has a group row above and sub-headings below is read', () => {
    const people = generatePeople(2, { seed: 61 });
    const doc = form4Doc(people);
    const grid = doc.grids[0]!;
    const header = grid.rows[2]!.cells;
    // Split the header: personal columns on the upper row, enterprise columns on a lower row under 企业信息.
    const upper = header.map((h, i) => (i >= 9 && i <= 13 ? '企业信息' : h));
    const lower = header.map((h, i) => (i >= 9 && i <= 13 ? h : null));
    grid.rows.splice(2, 1, { row: 3, cells: upper }, { row: 4, cells: lower });
    for (const [i, r] of grid.rows.entries()) r.row = i + 1;
    const f = extractForms([doc], ctx).forms[0] as Form4;
    expect(f.records.map((r) => r.values.uscc)).toEqual(people.map((p) => p.uscc));
    expect(f.records.flatMap((r) => r.findings)).toEqual([]);
    expect(f.records[0]!.row).toBe(5);
  });

  it('a Word 附件4 takes 填报地区 and 培训期次 from the paragraphs above its table', () => {
    const people = generatePeople(2, { seed: 71 });
    const sheet = form4Doc(people).grids[0]!;
    const table = sheet.rows.slice(2);
    const doc: RawDocument = {
      file: '汇总表.docx',
      format: 'docx',
      grids: [{ name: '表格1', rows: table, fromDocument: true }],
      text: `领军人才培训报名汇总表\n填报地区：深圳市      培训期次：第二期\n${table.map((r) => r.cells.join('\t')).join('\n')}`,
    };
    const f = extractForms([doc], ctx).forms[0] as Form4;
    expect(f).toMatchObject({ form: '附件4', regionCode: '440300', classNo: 2 });
    expect(f.records.map((r) => r.row)).toEqual([undefined, undefined]);
    expect(f.records[0]!.findings.every((x) => x.row === undefined)).toBe(true);
  });
});
