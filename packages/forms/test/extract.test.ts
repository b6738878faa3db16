import { NOTICE_REGION_TABLE } from '@lingjun/program';
import type { Finding } from '@lingjun/rules';
import { generatePeople } from '@lingjun/testing';
import { describe, expect, it } from 'vitest';
import { extractForms, type Form4, type Form5, regionWarnings } from '../src/index.ts';
import { ctx, FORM4_HEADERS, form4Doc, form5Doc } from './support/extract-fixtures.ts';

const col = (label: string) => FORM4_HEADERS.indexOf(label);
const only = (fs: Finding[]) => fs.map((f) => [f.code, f.field]);

function form4Of(doc: Parameters<typeof extractForms>[0][number]): Form4 {
  const r = extractForms([doc], ctx);
  expect(r.forms.map((f) => f.form)).toEqual(['附件4']);
  return r.forms[0] as Form4;
}

describe('附件4 extraction', () => {
  it('reads a clean generated sheet with no findings, header block, rows and cell addresses', () => {
    const people = generatePeople(20, { seed: 11 });
    const f = form4Of(form4Doc(people));
    expect(f.regionText).toBe('河北省');
    expect(f.regionCode).toBe('130000');
    expect(f.classText).toBe('第1期');
    expect(f.classNo).toBe(1);
    expect(f.headerRow).toBe(3);
    expect(f.sheet).toBe('Sheet1');
    expect(f.records).toHaveLength(20);
    expect(f.records.flatMap((r) => r.findings)).toEqual([]);
    const first = f.records[0]!;
    expect(first.row).toBe(4);
    expect(first.values.idNumber).toBe(people[0]!.idNumber);
    expect(first.values.enterpriseType).toBe(people[0]!.enterpriseType);
    expect(first.cells?.idNumber).toBe(`${String.fromCharCode(65 + col('身份证号码'))}4`);
  });

  // One case per finding code the field rules produce, each put into row 5 (the second person).
  const cases: [string, string, unknown, string][] = [
    ['REQUIRED_MISSING', '民族', '', '民族'],
    ['VALUE_INVALID sex', '性别', '未知', '性别'],
    ['VALUE_INVALID ethnicity', '民族', '火星族', '民族'],
    ['VALUE_INVALID politics', '政治面貌', '自由人', '政治面貌'],
    ['VALUE_INVALID education', '学历', '幼儿园', '学历'],
    ['VALUE_INVALID enterpriseType', '企业类型', '上市公司', '企业类型'],
    ['VALUE_INVALID birth', '出生年月', '75年', '出生年月'],
    ['ID_CHECKSUM', '身份证号码', 'lastDigit', '身份证号码'],
    ['ID_CHECKSUM number-stored', '身份证号码', 'asNumber', '身份证号码'],
    ['USCC_CHECKSUM length', '统一社会信用代码', 'short', '统一社会信用代码'],
    ['USCC_CHECKSUM charset', '统一社会信用代码', 'charset', '统一社会信用代码'],
    ['USCC_CHECKSUM digit', '统一社会信用代码', 'lastDigit', '统一社会信用代码'],
    ['PHONE_INVALID', '手机号码', '1381234', '手机号码'],
    ['EMAIL_INVALID', '电子邮箱', 'zhang@', '电子邮箱'],
    ['NOT_PRINCIPAL', '职务', '副总经理', '职务'],
    ['TYPE_OTHER_ONLY', '企业类型', '其它', '企业类型'],
  ];
  it.each(cases)('%s', (name, label, raw, field) => {
    const people = generatePeople(3, { seed: 5 });
    const f = form4Of(
      form4Doc(people, {
        edit: (rows) => {
          const row = rows[1]!;
          const old = String(row[col(label)]);
          let v: unknown = raw;
          if (raw === 'lastDigit') v = old.slice(0, 17) + (old.endsWith('1') ? '2' : '1');
          if (raw === 'asNumber') v = Number(old.slice(0, 17));
          if (raw === 'short') v = old.slice(0, 16);
          if (raw === 'charset') v = `${old.slice(0, 9)}O${old.slice(10)}`;
          row[col(label)] = v as string;
        },
      }),
    );
    expect(f.records[0]!.findings).toEqual([]);
    expect(f.records[2]!.findings).toEqual([]);
    const found = f.records[1]!.findings;
    const code = name.split(' ')[0]!;
    expect(only(found)).toEqual([[code, field]]);
    expect(found[0]).toMatchObject({
      form: '附件4',
      file: '附件4.xlsx',
      row: 5,
      student: people[1]!.name,
      classNo: 1,
    });
    expect(found[0]!.severity).toBe(
      ['NOT_PRINCIPAL', 'TYPE_OTHER_ONLY'].includes(code) ? 'warning' : 'error',
    );
    expect(found[0]!.message).not.toContain(people[1]!.idNumber);
    if (name.includes('number-stored')) expect(found[0]!.message).toContain('文本');
  });

  it('ID_BIRTH_MISMATCH names 出生年月 or 性别, whichever disagrees', () => {
    const people = generatePeople(2, { seed: 9 });
    const f = form4Of(
      form4Doc(people, {
        edit: (rows) => {
          const [y, m] = String(rows[0]![col('出生年月')]).split('-');
          rows[0]![col('出生年月')] = `${Number(y) - 1}.${m}`;
          rows[1]![col('性别')] = rows[1]![col('性别')] === '男' ? '女' : '男';
        },
      }),
    );
    expect(only(f.records[0]!.findings)).toEqual([['ID_BIRTH_MISMATCH', '出生年月']]);
    expect(only(f.records[1]!.findings)).toEqual([['ID_BIRTH_MISMATCH', '性别']]);
  });

  it('skips title, hint, example, empty, note and total rows', () => {
    const people = generatePeople(2, { seed: 2 });
    const hint = FORM4_HEADERS.map((h) =>
      h === '身份证号码' ? '请填写18位身份证号码' : h === '出生年月' ? '如：1975.06' : null,
    );
    const example = ['示例', '张三', '男', '汉族', '1975.06'];
    const doc = form4Doc(people, {
      edit: (rows) => {
        rows.unshift(hint, example, []);
        rows.push([], ['合计', '2人']);
      },
      extraRows: [
        ['注：1. 每家企业限报1人，学员原则上为企业主要负责人。'],
        ['填表人：王五', null, '联系电话：010-12345678'],
      ],
    });
    // A remark that merely mentions 示例 belongs to a real person.
    doc.grids[0]!.rows[7]!.cells[col('备注')] = '示例企业培训基地';
    const f = form4Of(doc);
    expect(f.records.map((r) => r.values.name)).toEqual(people.map((p) => p.name));
    expect(f.records[1]!.values.remark).toBe('示例企业培训基地');
    expect(f.records.map((r) => r.row)).toEqual([7, 8]);
  });

  it('reads 填报地区 and 培训期次 split across cells and 期次 in every written form', () => {
    for (const [text, n] of [
      ['第1期', 1],
      ['第一期', 1],
      ['01', 1],
      ['2', 2],
      ['第三期', 3],
      ['二期', 2],
    ] as const) {
      const f = form4Of(
        form4Doc(generatePeople(1), {
          block: [['填报地区：', '河北', null, '培训期次：', text, '联系人：', '王五']],
        }),
      );
      expect(f.regionText).toBe('河北');
      expect(f.regionCode).toBe('130000');
      expect(f.classNo).toBe(n);
    }
  });

  it('takes 期次 from the title when there is no 培训期次 line, and reports a class the program lacks', () => {
    const titled = form4Of(
      form4Doc(generatePeople(1), { block: [['领军人才培训报名汇总表（第2期）'], ['填报地区：河北省']] }),
    );
    expect(titled.classNo).toBe(2);
    const r = extractForms(
      [form4Doc(generatePeople(1), { block: [['填报地区：河北省  培训期次：第十期']] })],
      ctx,
    );
    expect((r.forms[0] as Form4).classNo).toBe(10);
    expect(only(r.findings)).toEqual([['UNKNOWN_CLASS', '培训期次']]);
  });
});

describe('header variants', () => {
  it('matches full-width, line breaks, （必填）, asterisks and aliases in any order', () => {
    const people = generatePeople(3, { seed: 4 });
    const variants: Record<string, string> = {
      姓名: '姓　名\n（必填）',
      身份证号码: '身份证号\n(18位)',
      统一社会信用代码: '*统一社会信用代码【18位】',
      出生年月: '出生年月（YYYY.MM）',
      手机号码: 'ｍｏｂｉｌｅ手机号码',
      电子邮箱: 'E-mail',
      企业类型: '企业类型：',
    };
    const order = [...FORM4_HEADERS.keys()].reverse();
    const headers = order.map((i) => variants[FORM4_HEADERS[i]!] ?? FORM4_HEADERS[i]!);
    const doc = form4Doc(people, {
      headers,
      edit: (rows) => {
        for (const [k, r] of rows.entries()) rows[k] = order.map((i) => r[i]!);
      },
    });
    const f = form4Of(doc);
    expect(f.records.flatMap((r) => r.findings)).toEqual([]);
    expect(f.records.map((r) => r.values.idNumber)).toEqual(people.map((p) => p.idNumber));
    expect(f.records.map((r) => r.values.mobile)).toEqual(people.map((p) => p.mobile));
  });
});

describe('附件5 extraction', () => {
  it('reads several labelled tables of one document as one form each, without findings', () => {
    const people = generatePeople(3, { seed: 21, classNo: 2 });
    const r = extractForms([form5Doc(people)], ctx);
    expect(r.forms.map((f) => f.form)).toEqual(['附件5', '附件5', '附件5']);
    const forms = r.forms as Form5[];
    expect(forms.map((f) => f.record.values.idNumber)).toEqual(people.map((p) => p.idNumber));
    expect(forms.flatMap((f) => f.record.findings)).toEqual([]);
    expect(forms[0]!.record.values.classNo).toBe('2');
    expect(forms[0]!.record.row).toBeUndefined();
  });

  it('NOT_SME_LIKELY, UNKNOWN_CLASS and number VALUE_INVALID', () => {
    const [p] = generatePeople(1, { seed: 3 });
    const big = (
      extractForms([form5Doc([p!], 'a.docx', { employees: '1,200人', revenue: '5亿元' })], ctx)
        .forms[0] as Form5
    ).record;
    expect(only(big.findings)).toEqual([['NOT_SME_LIKELY', '员工人数']]);
    expect(big.findings[0]!.row).toBeUndefined();
    const cls = (extractForms([form5Doc([p!], 'a.docx', { classNo: '第九期' })], ctx).forms[0] as Form5)
      .record;
    expect(only(cls.findings)).toEqual([['UNKNOWN_CLASS', '培训期次']]);
    const num = (
      extractForms([form5Doc([p!], 'a.docx', { employees: '很多', revenue: '' })], ctx).forms[0] as Form5
    ).record;
    expect(only(num.findings)).toEqual([
      ['VALUE_INVALID', '员工人数'],
      ['REQUIRED_MISSING', '上年度营业收入'],
    ]);
  });

  it('ENTERPRISE_REGION_MISMATCH through regionWarnings', () => {
    const [p] = generatePeople(1, { seed: 8, regionCode: '440300' });
    const rec = (extractForms([form5Doc([p!])], ctx).forms[0] as Form5).record;
    expect(regionWarnings(rec, '440300', NOTICE_REGION_TABLE)).toEqual([]);
    // A 计划单列市 is its own region (spec §2): a Shenzhen enterprise is outside Guangdong's list.
    expect(only(regionWarnings(rec, '440000', NOTICE_REGION_TABLE))).toEqual([
      ['ENTERPRISE_REGION_MISMATCH', '统一社会信用代码'],
    ]);
    expect(regionWarnings(rec, '660000', NOTICE_REGION_TABLE)).toEqual([]);
    const w = regionWarnings(rec, '130000', NOTICE_REGION_TABLE);
    expect(only(w)).toEqual([['ENTERPRISE_REGION_MISMATCH', '统一社会信用代码']]);
    expect(w[0]!.severity).toBe('warning');
  });
});
