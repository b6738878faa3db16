import { normaliseText } from '@lingjun/core';

/**
 * The 37 regions that send forms (notice ¶2, spec §2). Codes are the administrative division codes the
 * bureau uses; a 计划单列市 is its own region even though it lies inside a province.
 */
export interface Region {
  readonly code: string;
  readonly name: string;
  /** Short names people write in forms (河北, 内蒙古, 兵团 …). */
  readonly aliases: readonly string[];
  /** True for the five cities with separate planning status. */
  readonly separatePlanning?: boolean;
}

const R = (code: string, name: string, aliases: string[], separatePlanning?: boolean): Region => ({
  code,
  name,
  aliases,
  ...(separatePlanning ? { separatePlanning } : {}),
});

export const REGIONS: readonly Region[] = [
  R('110000', '北京市', ['北京']),
  R('120000', '天津市', ['天津']),
  R('130000', '河北省', ['河北']),
  R('140000', '山西省', ['山西']),
  R('150000', '内蒙古自治区', ['内蒙古', '内蒙']),
  R('210000', '辽宁省', ['辽宁']),
  R('220000', '吉林省', ['吉林']),
  R('230000', '黑龙江省', ['黑龙江']),
  R('310000', '上海市', ['上海']),
  R('320000', '江苏省', ['江苏']),
  R('330000', '浙江省', ['浙江']),
  R('340000', '安徽省', ['安徽']),
  R('350000', '福建省', ['福建']),
  R('360000', '江西省', ['江西']),
  R('370000', '山东省', ['山东']),
  R('410000', '河南省', ['河南']),
  R('420000', '湖北省', ['湖北']),
  R('430000', '湖南省', ['湖南']),
  R('440000', '广东省', ['广东']),
  R('450000', '广西壮族自治区', ['广西', '广西自治区']),
  R('460000', '海南省', ['海南']),
  R('500000', '重庆市', ['重庆']),
  R('510000', '四川省', ['四川']),
  R('520000', '贵州省', ['贵州']),
  R('530000', '云南省', ['云南']),
  R('540000', '西藏自治区', ['西藏']),
  R('610000', '陕西省', ['陕西']),
  R('620000', '甘肃省', ['甘肃']),
  R('630000', '青海省', ['青海']),
  R('640000', '宁夏回族自治区', ['宁夏', '宁夏自治区']),
  R('650000', '新疆维吾尔自治区', ['新疆', '新疆自治区']),
  R('210200', '大连市', ['大连'], true),
  R('370200', '青岛市', ['青岛'], true),
  R('330200', '宁波市', ['宁波'], true),
  R('350200', '厦门市', ['厦门'], true),
  R('440300', '深圳市', ['深圳'], true),
  R('660000', '新疆生产建设兵团', ['兵团', '新疆兵团', '生产建设兵团']),
];

/** The Corps: its enterprises are registered across Xinjiang, so the credit-code region is not checked. */
export const CORPS_CODE = '660000';

const byCode = new Map(REGIONS.map((r) => [r.code, r]));
const byName = new Map<string, Region>();
for (const r of REGIONS) {
  byName.set(r.name, r);
  for (const a of r.aliases) byName.set(a, r);
}

/** Normalises a region as written in a form: drops spaces, full-width forms and trailing 中小企业主管部门-style suffixes. */
function normaliseRegionText(text: string): string {
  return normaliseText(text, 'remove')
    .replace(/[（(].*?[）)]/g, '')
    .replace(/(中小企业|工业和信息化|工信|经信|经济和信息化).*$/, '');
}

/** Finds a region by code, full name or short form; undefined when nothing matches. */
export function resolveRegion(text: string | undefined | null): Region | undefined {
  if (!text) return undefined;
  const t = normaliseRegionText(String(text));
  if (!t) return undefined;
  const direct = byCode.get(t) ?? byName.get(t);
  if (direct?.separatePlanning) return direct;
  // 辽宁省（大连市）: the note in brackets may name the 计划单列市 that is the real region.
  const noted = [
    ...String(text)
      .normalize('NFKC')
      .matchAll(/[（(](.*?)[）)]/g),
  ]
    .map((m) => byPrefix((m[1] ?? '').replace(/\s+/g, ''))?.region)
    .find((r) => r?.separatePlanning);
  const province = direct ?? byPrefix(t)?.region;
  if (noted && province && noted.code.slice(0, 2) === province.code.slice(0, 2)) return noted;
  if (direct) return direct;
  const outer = byPrefix(t);
  if (!outer) return undefined;
  // 浙江省宁波市…: a city with separate planning, written after its province, is a region of its own.
  const inner = byPrefix(t.slice(outer.matched.length));
  if (inner?.region.separatePlanning && inner.region.code.slice(0, 2) === outer.region.code.slice(0, 2)) {
    return inner.region;
  }
  return outer.region;
}

// Longest name first so 新疆生产建设兵团 is not read as 新疆维吾尔自治区.
const byLength = [...byName.entries()]
  .filter(([name]) => name.length >= 2)
  .sort((a, b) => b[0].length - a[0].length);

function byPrefix(text: string): { region: Region; matched: string } | undefined {
  for (const [name, region] of byLength) {
    if (text.startsWith(name)) return { region, matched: name };
  }
  return undefined;
}

/** Region by its code. */
export function regionByCode(code: string): Region | undefined {
  return byCode.get(code);
}

/**
 * The region a unified social credit code's division digits (positions 3-8) belong to for this program: a
 * 计划单列市 is its own region (spec §2), so a Dalian division is 大连市's and lies outside 辽宁省.
 */
export function regionOfDivision(division: string): Region | undefined {
  if (!/^\d{6}$/.test(division)) return undefined;
  const city = REGIONS.find((r) => r.separatePlanning && division.startsWith(r.code.slice(0, 4)));
  return city ?? byCode.get(`${division.slice(0, 2)}0000`);
}

/** True when a credit code's division digits lie inside the region (a 计划单列市 is not inside its province). */
export function regionContainsDivision(region: Region, division: string): boolean {
  return regionOfDivision(division)?.code === region.code;
}
