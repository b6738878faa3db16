import { maskId } from '@lingjun/core';
import { chineseNumber, NOTICE_REGION_TABLE } from '@lingjun/program';
import { describe, expect, it } from 'vitest';
import {
  checkClassNo,
  checkDate,
  checkEducation,
  checkEmail,
  checkEnterpriseTypes,
  checkEthnicity,
  checkIdAgainst,
  checkIdNumber,
  checkInteger,
  checkMobile,
  checkNumber,
  checkPhone,
  checkPolitics,
  checkSex,
  checkUscc,
  checkYearMonth,
  enterpriseRegionWarning,
  idCheckDigit,
  isPrincipalTitle,
  parseClassNo,
  principalWarning,
  smeWarning,
  typeOtherWarning,
  usccCheckDigit,
  usccDivision,
} from '../src/index.ts';

// GB 11643 example number and a published-format credit code, with check characters computed by the standard.
const ID = '11010519491231002X';
const USCC = '91350100M000100Y43';

const value = (r: { ok: boolean; value?: unknown }) => (r.ok ? r.value : undefined);
const code = (r: { ok: boolean; problem?: { code: string } }) => (r.ok ? undefined : r.problem?.code);
const message = (r: { ok: boolean; problem?: { message: string } }) =>
  r.ok ? '' : (r.problem?.message ?? '');

describe('身份证号码', () => {
  it('accepts the GB 11643 example and normalises lowercase x, full-width digits and spaces', () => {
    expect(idCheckDigit(ID.slice(0, 17))).toBe('X');
    expect(value(checkIdNumber(ID))).toBe(ID);
    expect(value(checkIdNumber('110105 1949 1231 002x'))).toBe(ID);
    expect(value(checkIdNumber('１１０１０５１９４９１２３１００２Ｘ'))).toBe(ID);
  });
  it('rejects a wrong check digit with ID_CHECKSUM and echoes the number only masked', () => {
    const r = checkIdNumber('110105194912310021');
    expect(code(r)).toBe('ID_CHECKSUM');
    expect(message(r)).toContain('校验位');
    expect(message(r)).not.toContain('110105194912310021');
    expect(message(r)).toContain(maskId('110105194912310021'));
  });
  it('echoes the credit code and the masked mobile it could not accept', () => {
    expect(message(checkUscc('91350100M000100Y44'))).toContain('“91350100M000100Y44”');
    const phone = message(checkMobile('1381234567'));
    expect(phone).toContain('138***4567');
    expect(phone).not.toContain('1381234567');
    // An ID typed into the credit-code column stays masked.
    expect(message(checkUscc(ID))).not.toContain(ID);
    expect(message(checkUscc(ID))).toContain(maskId(ID));
    expect(message(checkUscc('15193158324'))).not.toContain('15193158324');
  });
  it('asks for the 18-digit number instead of a 15-digit one', () => {
    const r = checkIdNumber('110105491231002');
    expect(code(r)).toBe('ID_CHECKSUM');
    expect(message(r)).toContain('18位');
  });
  it('tells the sender to use text format when the ID was stored as a number', () => {
    for (const v of [110105194912310020, '1.10105E+17']) {
      const r = checkIdNumber(v);
      expect(code(r)).toBe('ID_CHECKSUM');
      expect(message(r)).toContain('文本');
    }
    const r = checkIdNumber('110105194912310000', '0');
    expect(code(r)).toBe('ID_CHECKSUM');
    expect(message(r)).toContain('文本');
  });
  it('rejects wrong length, letters and an impossible birth date', () => {
    expect(code(checkIdNumber('1101051949123100'))).toBe('ID_CHECKSUM');
    expect(code(checkIdNumber('11010519491231A02X'))).toBe('ID_CHECKSUM');
    const feb30 = '11010519490230002';
    expect(code(checkIdNumber(feb30 + idCheckDigit(feb30)))).toBe('ID_CHECKSUM');
  });
  it('cross-checks birth month and sex, saying which disagrees', () => {
    expect(checkIdAgainst(ID, '1949-12', '女')).toEqual([]);
    const birth = checkIdAgainst(ID, '1950-12', '女');
    expect(birth.map((p) => p.code)).toEqual(['ID_BIRTH_MISMATCH']);
    expect(birth[0]!.message).toContain('出生年月');
    const sex = checkIdAgainst(ID, '1949-12', '男');
    expect(sex.map((p) => p.code)).toEqual(['ID_BIRTH_MISMATCH']);
    expect(sex[0]!.message).toContain('性别');
  });
});

describe('统一社会信用代码', () => {
  it('accepts a valid code and gives its division digits', () => {
    expect(usccCheckDigit(USCC.slice(0, 17))).toBe('3');
    expect(value(checkUscc(` ${USCC.toLowerCase()} `))).toBe(USCC);
    expect(usccDivision(USCC)).toBe('350100');
  });
  it('has its own message for length, character set and check digit', () => {
    const len = checkUscc(USCC.slice(0, 17));
    const chars = checkUscc(`${USCC.slice(0, 10)}O${USCC.slice(11)}`);
    const digit = checkUscc(`${USCC.slice(0, 17)}4`);
    expect([code(len), code(chars), code(digit)]).toEqual([
      'USCC_CHECKSUM',
      'USCC_CHECKSUM',
      'USCC_CHECKSUM',
    ]);
    expect(message(len)).toContain('18位');
    expect(message(chars)).toContain('O');
    expect(message(digit)).toContain('校验位');
  });
  it('asks for text format when the code was stored as a number', () => {
    const r = checkUscc(913501001234567900);
    expect(code(r)).toBe('USCC_CHECKSUM');
    expect(message(r)).toContain('文本');
  });
});

describe('phones and email', () => {
  it('normalises mobiles with spaces, dashes and +86', () => {
    for (const v of [
      '13812345678',
      '138 1234 5678',
      '138-1234-5678',
      '+86 138 1234 5678',
      '8613812345678',
      13812345678,
    ]) {
      expect(value(checkMobile(v))).toBe('13812345678');
    }
  });
  it('rejects malformed mobiles with PHONE_INVALID', () => {
    for (const v of ['1381234567', '12812345678', '010-68205555', 'abc'])
      expect(code(checkMobile(v))).toBe('PHONE_INVALID');
  });
  it('checks landlines loosely', () => {
    for (const v of ['010-68205555', '(0311)87654321', '0311-8765432转801', '13812345678'])
      expect(checkPhone(v).ok).toBe(true);
    for (const v of ['无法联系', '123']) expect(code(checkPhone(v))).toBe('PHONE_INVALID');
  });
  it('normalises full-width email and rejects malformed', () => {
    expect(value(checkEmail(' zhangsan＠163．COM '))).toBe('zhangsan@163.com');
    for (const v of ['zhangsan163.com', 'a@b', '张三@163.com', 'a@163.com;b@163.com'])
      expect(code(checkEmail(v))).toBe('EMAIL_INVALID');
  });
});

describe('closed lists', () => {
  it('性别', () => {
    expect(['男', '男性', 'M', '女', 'female'].map((v) => value(checkSex(v)))).toEqual([
      '男',
      '男',
      '男',
      '女',
      '女',
    ]);
    expect(code(checkSex('未知'))).toBe('VALUE_INVALID');
  });
  it('民族', () => {
    expect(['汉', '汉族', '回', '蒙古', '维吾尔族 '].map((v) => value(checkEthnicity(v)))).toEqual([
      '汉族',
      '汉族',
      '回族',
      '蒙古族',
      '维吾尔族',
    ]);
    expect(code(checkEthnicity('火星族'))).toBe('VALUE_INVALID');
  });
  it('政治面貌', () => {
    const cases: [string, string][] = [
      ['党员', '中共党员'],
      ['共产党员', '中共党员'],
      ['预备党员', '中共预备党员'],
      ['团员', '共青团员'],
      ['民盟', '民盟盟员'],
      ['民建', '民建会员'],
      ['九三学社', '九三学社社员'],
      ['无党派', '无党派人士'],
      ['群众', '群众'],
    ];
    for (const [v, want] of cases) expect(value(checkPolitics(v))).toBe(want);
    const r = checkPolitics('自由人');
    expect(code(r)).toBe('VALUE_INVALID');
    expect(message(r)).toContain('中共党员');
  });
  it('学历', () => {
    const cases: [string, string][] = [
      ['本科', '大学本科'],
      ['大专', '大学专科'],
      ['专科', '大学专科'],
      ['研究生', '硕士研究生'],
      ['硕士', '硕士研究生'],
      ['博士', '博士研究生'],
      ['EMBA', '硕士研究生'],
      ['中技', '中专'],
      ['高中', '高中'],
      ['本科（学士）', '大学本科'],
    ];
    for (const [v, want] of cases) expect(value(checkEducation(v))).toBe(want);
    expect(code(checkEducation('幼儿园毕业'))).toBe('VALUE_INVALID');
  });
  it('企业类型: several, any separator and quote style, joined by 、', () => {
    expect(value(checkEnterpriseTypes('专精特新“小巨人”企业，国家高新技术企业'))).toBe(
      '专精特新"小巨人"企业、高新技术企业',
    );
    expect(value(checkEnterpriseTypes('小巨人/专精特新\n科技型中小企业;高新技术企业'))).toBe(
      '专精特新"小巨人"企业、专精特新中小企业、科技型中小企业、高新技术企业',
    );
    expect(value(checkEnterpriseTypes('"小巨人"、小巨人企业'))).toBe('专精特新"小巨人"企业');
    const r = checkEnterpriseTypes('高新技术企业、上市公司');
    expect(code(r)).toBe('VALUE_INVALID');
    expect(message(r)).toContain('上市公司');
    expect(message(r)).toContain('创新型中小企业');
  });
});

describe('dates and numbers', () => {
  it('reads 出生年月 in every written form', () => {
    const forms: unknown[] = [
      '1975.06',
      '1975.6',
      '1975-06',
      '1975/6',
      '1975年6月',
      '197506',
      '1975-06-15',
      1975.06,
      197506,
      new Date(Date.UTC(1975, 5, 15)),
      new Date(Date.UTC(1975, 4, 31, 16)), // local midnight 1975-06-01 in Asia/Shanghai
      27561, // Excel serial for 1975-06-15
    ];
    for (const v of forms) expect(value(checkYearMonth(v, { year: 2025 }))).toBe('1975-06');
    expect(value(checkYearMonth(1975.1, { year: 2025, format: '0.00' }))).toBe('1975-10');
  });
  it('rejects unreadable or implausible birth months', () => {
    for (const v of ['1975.13', '75年6月', '2015.01', '1930.01', 'abc']) {
      expect(code(checkYearMonth(v, { year: 2025 }))).toBe('VALUE_INVALID');
    }
  });
  it('reads 培训期次 in every written form', () => {
    const forms: [unknown, number][] = [
      [1, 1],
      ['1', 1],
      ['01', 1],
      ['第1期', 1],
      ['第一期', 1],
      ['一期', 1],
      ['1期', 1],
      ['十', 10],
      ['第十期', 10],
      ['第十二期', 12],
      ['二十', 20],
      ['第 3 期', 3],
    ];
    for (const [v, n] of forms) expect(parseClassNo(v)).toBe(n);
    expect(chineseNumber('十十')).toBeUndefined();
    expect(value(checkClassNo('第一期', [1, 2]))).toBe('1');
    expect(code(checkClassNo('第十期', [1, 2]))).toBe('UNKNOWN_CLASS');
    expect(code(checkClassNo('下期', [1, 2]))).toBe('VALUE_INVALID');
  });
  it('reads integers and 万元 amounts', () => {
    expect(value(checkInteger('1,200人', '员工人数'))).toBe('1200');
    expect(value(checkInteger('１２０', '员工人数'))).toBe('120');
    expect(code(checkInteger('一百', '员工人数'))).toBe('VALUE_INVALID');
    expect(value(checkNumber('5,000万元', '上年度营业收入'))).toBe('5000');
    expect(value(checkNumber('1.2亿元', '上年度营业收入'))).toBe('12000');
    expect(value(checkNumber(3500.5, '上年度营业收入'))).toBe('3500.5');
    expect(code(checkNumber('很多', '上年度营业收入'))).toBe('VALUE_INVALID');
  });
  it('reads dates like 成立时间 at the precision written', () => {
    expect(value(checkDate('2010年5月', '成立时间'))).toBe('2010-05');
    expect(value(checkDate('2010-05-12', '成立时间'))).toBe('2010-05-12');
    expect(code(checkDate('去年', '成立时间'))).toBe('VALUE_INVALID');
  });
});

describe('warnings', () => {
  it('knows principal titles and that 副 is not one', () => {
    for (const t of [
      '董事长',
      '总经理',
      '董事长兼总经理',
      '执行董事',
      'CEO',
      '创始人',
      '党委书记兼董事长',
      '执行董事兼经理',
    ]) {
      expect(isPrincipalTitle(t)).toBe(true);
    }
    for (const t of ['副总经理', '总经理助理', '销售总监', '财务经理', '董事会秘书'])
      expect(isPrincipalTitle(t)).toBe(false);
    expect(principalWarning('副总经理')?.code).toBe('NOT_PRINCIPAL');
    expect(principalWarning('总经理')).toBeUndefined();
  });
  it('NOT_SME_LIKELY only when both thresholds are reached', () => {
    expect(smeWarning('1000', '40000')?.code).toBe('NOT_SME_LIKELY');
    expect(smeWarning('999', '90000')).toBeUndefined();
    expect(smeWarning('5000', '39999')).toBeUndefined();
  });
  it('TYPE_OTHER_ONLY only for 其他 alone', () => {
    expect(typeOtherWarning('其他')?.code).toBe('TYPE_OTHER_ONLY');
    expect(typeOtherWarning('高新技术企业、其他')).toBeUndefined();
  });
  it('ENTERPRISE_REGION_MISMATCH outside the region, never for 兵团', () => {
    expect(enterpriseRegionWarning(USCC, '350000', NOTICE_REGION_TABLE)).toBeUndefined();
    expect(enterpriseRegionWarning(USCC, '130000', NOTICE_REGION_TABLE)?.code).toBe(
      'ENTERPRISE_REGION_MISMATCH',
    );
    expect(enterpriseRegionWarning(USCC, '660000', NOTICE_REGION_TABLE)).toBeUndefined();
  });
  it('ENTERPRISE_REGION_MISMATCH treats a 计划单列市 as its own region (spec §2)', () => {
    const body = '91210203M000100Y4';
    const dalian = body + usccCheckDigit(body);
    expect(checkUscc(dalian).ok).toBe(true);
    const onLiaoning = enterpriseRegionWarning(dalian, '210000', NOTICE_REGION_TABLE);
    expect(onLiaoning?.code).toBe('ENTERPRISE_REGION_MISMATCH');
    expect(onLiaoning?.message).toContain('大连市');
    expect(onLiaoning?.message).toContain('计划单列市');
    expect(enterpriseRegionWarning(dalian, '210200', NOTICE_REGION_TABLE)).toBeUndefined();
    // A Shenyang enterprise is Liaoning's, not Dalian's.
    const shenyang = `91210102M000100Y4${usccCheckDigit('91210102M000100Y4')}`;
    expect(enterpriseRegionWarning(shenyang, '210000', NOTICE_REGION_TABLE)).toBeUndefined();
    expect(enterpriseRegionWarning(shenyang, '210200', NOTICE_REGION_TABLE)?.message).toContain('辽宁省');
  });
});
