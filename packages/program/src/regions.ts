import { normaliseText } from '@lingjun/core';

/**
 * A region that sends forms. The notice's 37 (notice ¶2, spec §2) unless the program declares its own list;
 * codes are the administrative division codes the bureau uses, and a 计划单列市 is its own region even though
 * it lies inside a province.
 */
export interface Region {
  readonly code: string;
  readonly name: string;
  /** Short names people write in forms (河北, 内蒙古, 兵团 …). */
  readonly aliases: readonly string[];
  /** True for the cities with separate planning status. */
  readonly separatePlanning?: boolean;
  /**
   * Leading digits of the division codes (credit codes, positions 3-8) of the enterprises this region submits;
   * by default the code without its trailing 00 pairs. Empty: registered anywhere, not checked (兵团).
   */
  readonly divisions?: readonly string[];
}

const R = (code: string, name: string, aliases: string[], extra: Partial<Region> = {}): Region => ({
  code,
  name,
  aliases,
  ...extra,
});
const CITY = { separatePlanning: true } as const;

/** The notice's 37 regions: the list of a program that declares none. */
export const NOTICE_REGIONS: readonly Region[] = [
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
  R('210200', '大连市', ['大连'], CITY),
  R('370200', '青岛市', ['青岛'], CITY),
  R('330200', '宁波市', ['宁波'], CITY),
  R('350200', '厦门市', ['厦门'], CITY),
  R('440300', '深圳市', ['深圳'], CITY),
  // Its enterprises are registered across Xinjiang, so a credit code's division is not checked.
  R('660000', '新疆生产建设兵团', ['兵团', '新疆兵团', '生产建设兵团'], { divisions: [] }),
];

/** Normalises a region as written in a form: drops spaces, full-width forms and trailing 中小企业主管部门-style suffixes. */
function normaliseRegionText(text: string): string {
  return normaliseText(text, 'remove')
    .replace(/[（(].*?[）)]/g, '')
    .replace(/(中小企业|工业和信息化|工信|经信|经济和信息化).*$/, '');
}

/** A region's division prefixes: as declared, else its code without trailing 00 pairs (130000 → 13). */
export function regionDivisions(region: Region): readonly string[] {
  return region.divisions ?? [region.code.replace(/(00)+$/, '') || region.code];
}

/** The regions of one program, looked up by code, by what people write in forms, and by division code. */
export class RegionTable {
  private readonly codes: Map<string, Region>;
  private readonly names = new Map<string, Region>();
  /** Longest name first so 新疆生产建设兵团 is not read as 新疆维吾尔自治区. */
  private readonly byLength: [string, Region][];
  /** Longest prefix first so a 计划单列市's division is not taken for its province's. */
  private readonly prefixes: [string, Region][];
  private readonly order: Map<string, number>;

  constructor(
    readonly list: readonly Region[],
    /** True for the notice's 37 (a program that declares none). */
    readonly notice = false,
  ) {
    this.codes = new Map(list.map((r) => [r.code, r]));
    this.order = new Map(list.map((r, i) => [r.code, i]));
    for (const r of list) {
      this.names.set(r.name, r);
      for (const a of r.aliases) this.names.set(a, r);
    }
    this.byLength = [...this.names.entries()]
      .filter(([name]) => name.length >= 2)
      .sort((a, b) => b[0].length - a[0].length);
    this.prefixes = list
      .flatMap((r) => regionDivisions(r).map((p): [string, Region] => [p, r]))
      .sort((a, b) => b[0].length - a[0].length);
  }

  /** Region by its code. */
  byCode(code: string): Region | undefined {
    return this.codes.get(code);
  }

  /** The region's name for a code, or the code itself when no region has it (a record from another list). */
  nameOf(code: string): string {
    return this.codes.get(code)?.name ?? code;
  }

  /** Position of a region in the program's list (unknown codes last), for sorting lists by region. */
  position(code: string): number {
    return this.order.get(code) ?? this.list.length;
  }

  /** Finds a region by code, full name or short form; undefined when nothing matches. */
  resolve(text: string | undefined | null): Region | undefined {
    if (!text) return undefined;
    const t = normaliseRegionText(String(text));
    if (!t) return undefined;
    const direct = this.codes.get(t) ?? this.names.get(t);
    if (direct?.separatePlanning) return direct;
    // 辽宁省（大连市）: the note in brackets may name the 计划单列市 that is the real region.
    const noted = [
      ...String(text)
        .normalize('NFKC')
        .matchAll(/[（(](.*?)[）)]/g),
    ]
      .map((m) => this.byPrefix((m[1] ?? '').replace(/\s+/g, ''))?.region)
      .find((r) => r?.separatePlanning);
    const province = direct ?? this.byPrefix(t)?.region;
    if (noted && province && noted.code.slice(0, 2) === province.code.slice(0, 2)) return noted;
    if (direct) return direct;
    const outer = this.byPrefix(t);
    if (!outer) return undefined;
    // 浙江省宁波市…: a city with separate planning, written after its province, is a region of its own.
    const inner = this.byPrefix(t.slice(outer.matched.length));
    if (inner?.region.separatePlanning && inner.region.code.slice(0, 2) === outer.region.code.slice(0, 2)) {
      return inner.region;
    }
    return outer.region;
  }

  /**
   * The region a unified social credit code's division digits (positions 3-8) belong to for this program: a
   * 计划单列市 is its own region (spec §2), so a Dalian division is 大连市's and lies outside 辽宁省.
   */
  ofDivision(division: string): Region | undefined {
    if (!/^\d{6}$/.test(division)) return undefined;
    return this.prefixes.find(([p]) => division.startsWith(p))?.[1];
  }

  /** True when a credit code's division digits lie inside the region (a 计划单列市 is not inside its province). */
  containsDivision(region: Region, division: string): boolean {
    return this.ofDivision(division)?.code === region.code;
  }

  /** “X”不是37个报送地区之一，请填写…: the finding for a region name no region of the program has. */
  unknown(text: string): string {
    const hint = this.notice
      ? '请填写省（区、市）、计划单列市或新疆生产建设兵团的规范名称，如“河北省”“宁波市”'
      : `请填写本年度计划所列地区的规范名称，如“${this.list[0]?.name ?? ''}”`;
    return `“${text}”不是${this.list.length}个报送地区之一，${hint}。`;
  }

  private byPrefix(text: string): { region: Region; matched: string } | undefined {
    for (const [name, region] of this.byLength) {
      if (text.startsWith(name)) return { region, matched: name };
    }
    return undefined;
  }
}

/** The notice's 37 regions as a table. */
export const NOTICE_REGION_TABLE = new RegionTable(NOTICE_REGIONS, true);

const tables = new WeakMap<readonly Region[], RegionTable>();

/** The regions of a program: those it declares, else the notice's 37 (built once per list). */
export function programRegions(program: { readonly regions?: readonly Region[] | undefined }): RegionTable {
  const list = program.regions;
  if (!list) return NOTICE_REGION_TABLE;
  let table = tables.get(list);
  if (!table) {
    table = new RegionTable(list);
    tables.set(list, table);
  }
  return table;
}
