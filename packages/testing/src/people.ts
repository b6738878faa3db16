import { NOTICE_REGION_TABLE, type RegionTable, regionDivisions } from '@lingjun/program';
import { idCheckDigit, usccCheckDigit } from '@lingjun/rules';

/**
 * Deterministic made-up students for tests and examples: every ID number and credit code has a valid
 * check character, and credit codes carry division digits inside the chosen region, so a generated
 * submission is clean unless a test breaks it on purpose. All names and numbers are fictitious.
 */

/** One generated student, with values already in their normalised form (keys as in definitions.ts). */
export interface Person {
  name: string;
  sex: '男' | '女';
  ethnicity: string;
  /** YYYY-MM, agreeing with idNumber. */
  birth: string;
  politics: string;
  education: string;
  idNumber: string;
  enterprise: string;
  uscc: string;
  title: string;
  enterpriseType: string;
  industry: string;
  address: string;
  founded: string;
  employees: string;
  revenue: string;
  mainBusiness: string;
  mobile: string;
  email: string;
  /** Class number as text ("1"). */
  classNo: string;
  resume: string;
  profile: string;
  needs: string;
}

export interface GenerateOptions {
  /** Seed of the pseudo-random sequence; the same seed gives the same people. Default 1. */
  seed?: number;
  /** Submitting region (spec §2 code); IDs and credit codes are placed inside it. Default 130000 河北省. */
  regionCode?: string;
  /** The program's regions the code is one of; default the notice's 37. */
  regions?: RegionTable;
  /** Class number for every person, or a function of the index. Default 1. */
  classNo?: number | ((index: number) => number);
  /** Program year; birth dates give ages 30-60 in it. Default 2025. */
  year?: number;
}

/** mulberry32: small, fast and the same on every platform, which is all tests need. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SURNAMES =
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤';
const GIVEN =
  '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红玉兰海峰波宁晨浩宇婷欣怡俊凯鹏飞辉斌雪琳颖倩晶莉';
const ETHNIC_POOL = [
  '汉族',
  '汉族',
  '汉族',
  '汉族',
  '汉族',
  '汉族',
  '回族',
  '满族',
  '蒙古族',
  '壮族',
  '土家族',
];
const POLITICS_POOL = [
  '中共党员',
  '中共党员',
  '中共党员',
  '群众',
  '群众',
  '民建会员',
  '无党派人士',
  '民盟盟员',
];
const EDU_POOL = ['硕士研究生', '大学本科', '大学本科', '大学本科', '博士研究生', '大学专科'];
const TITLE_POOL = ['董事长', '总经理', '董事长兼总经理', '执行董事', '总裁', '创始人'];
const TYPE_POOL = [
  '专精特新"小巨人"企业',
  '专精特新中小企业',
  '专精特新中小企业、高新技术企业',
  '创新型中小企业',
  '科技型中小企业、高新技术企业',
  '高新技术企业',
  '制造业单项冠军企业',
];
const INDUSTRY_POOL = [
  '通用设备制造业',
  '软件和信息技术服务业',
  '医药制造业',
  '新材料',
  '汽车零部件',
  '电子元器件',
];
const WORDS = [
  '精工',
  '华创',
  '恒信',
  '博远',
  '瑞达',
  '中科',
  '宏图',
  '天成',
  '联创',
  '新锐',
  '卓越',
  '海纳',
];
const KINDS = ['科技', '智能装备', '新材料', '精密机械', '生物医药', '电子'];
const MOBILE_PREFIX = ['138', '139', '136', '150', '151', '186', '187', '177', '199', '135'];

/** County-level division codes inside a region (used for both ID numbers and credit codes). */
function divisionFor(regionCode: string, regions: RegionTable, r: () => number): string {
  if (regionCode === '660000') return ['659001', '659002', '659003', '659004'][Math.floor(r() * 4)]!;
  const region = regions.byCode(regionCode);
  const county = String(2 + Math.floor(r() * 8)).padStart(2, '0');
  // Inside the region's first division prefix: a province's first city (1301xx), a city's counties (2102xx).
  // A code of no region in the table is placed as its code says (139900 → 1399xx).
  const prefix =
    regionDivisions(region ?? { code: regionCode, name: '', aliases: [] })[0] ?? regionCode.slice(0, 2);
  const city = prefix.length <= 2 ? `${prefix.padEnd(2, '0')}01` : prefix;
  return (city + county).slice(0, 6);
}

const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];

/** GB 11714 organisation code (8 characters + check), as positions 9-17 of a credit code. */
function orgCode(n: number): string {
  const body = String(n % 100_000_000).padStart(8, '0');
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += Number(body[i]) * ORG_WEIGHTS[i]!;
  const c = 11 - (sum % 11);
  return body + (c === 10 ? 'X' : c === 11 ? '0' : String(c));
}

/** A valid 18-digit ID number for the given division, birth date and sex. */
export function makeIdNumber(division: string, ymd: string, sex: '男' | '女', serial: number): string {
  let seq = serial % 1000;
  if ((seq % 2 === 1) !== (sex === '男')) seq = (seq + 1) % 1000;
  const first17 = division + ymd + String(seq).padStart(3, '0');
  return first17 + idCheckDigit(first17);
}

/** A valid unified social credit code (企业, 91) for the given division. */
export function makeUscc(division: string, serial: number): string {
  // An org-code check of X is still in the GB 32100 character set, so it can stay.
  const first17 = `91${division}${orgCode(serial)}`;
  return first17 + usccCheckDigit(first17);
}

/** Generates n fictitious, valid, mutually distinct students (distinct IDs, enterprises, credit codes, phones). */
export function generatePeople(n: number, opts: GenerateOptions = {}): Person[] {
  const seed = opts.seed ?? 1;
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const regionCode = opts.regionCode ?? '130000';
  const year = opts.year ?? 2025;
  const regions = opts.regions ?? NOTICE_REGION_TABLE;
  const region = regions.byCode(regionCode);
  const place = region?.aliases[0] ?? region?.name ?? '河北';
  const people: Person[] = [];
  for (let i = 0; i < n; i++) {
    const sex: '男' | '女' = r() < 0.7 ? '男' : '女';
    const by = year - 30 - Math.floor(r() * 30);
    const bm = 1 + Math.floor(r() * 12);
    const bd = 1 + Math.floor(r() * 28);
    const ymd = `${by}${String(bm).padStart(2, '0')}${String(bd).padStart(2, '0')}`;
    const uniq = seed * 100_003 + i;
    const idNumber = makeIdNumber(divisionFor(regionCode, regions, r), ymd, sex, 100 + ((uniq * 7) % 800));
    const given = pick([...GIVEN]) + (r() < 0.6 ? pick([...GIVEN]) : '');
    const name = pick([...SURNAMES]) + given;
    // Distinct by construction: ¶12 allows one person per enterprise, so clean data must not repeat one.
    const combo = i + (seed % WORDS.length);
    const lap = Math.floor(i / (WORDS.length * KINDS.length));
    const enterprise = `${place}${WORDS[combo % WORDS.length]}${KINDS[Math.floor(combo / WORDS.length) % KINDS.length]}${lap > 0 ? lap + 1 : ''}有限公司`;
    const classNo = typeof opts.classNo === 'function' ? opts.classNo(i) : (opts.classNo ?? 1);
    const mobile = pick(MOBILE_PREFIX) + String((uniq * 7919 + 1234567) % 100_000_000).padStart(8, '0');
    const employees = 20 + Math.floor(r() * 480);
    people.push({
      name,
      sex,
      ethnicity: pick(ETHNIC_POOL),
      birth: `${by}-${String(bm).padStart(2, '0')}`,
      politics: pick(POLITICS_POOL),
      education: pick(EDU_POOL),
      idNumber,
      enterprise,
      uscc: makeUscc(divisionFor(regionCode, regions, r), 10_000_000 + uniq * 13),
      title: pick(TITLE_POOL),
      enterpriseType: pick(TYPE_POOL),
      industry: pick(INDUSTRY_POOL),
      address: `${region?.name ?? '河北省'}示例路${1 + i}号`,
      founded: `${2000 + Math.floor(r() * 20)}-${String(1 + Math.floor(r() * 12)).padStart(2, '0')}-15`,
      employees: String(employees),
      revenue: String(1000 + Math.floor(r() * 20000)),
      mainBusiness: `${pick(KINDS)}产品研发、生产与销售`,
      mobile,
      email: `student${seed}x${i + 1}@example.com`,
      classNo: String(classNo),
      resume: `${by + 22}年至今在${enterprise}工作。`,
      profile: `${enterprise}是一家从事${pick(KINDS)}的中小企业（示例数据）。`,
      needs: '提升企业经营管理能力（示例数据）。',
    });
  }
  return people;
}
