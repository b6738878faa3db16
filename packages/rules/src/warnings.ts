import { type RegionTable, regionDivisions } from '@lingjun/program';
import { type Problem, shown, usccDivision, valueKey } from './validators.ts';
import { PRINCIPAL_EXACT_TITLES, PRINCIPAL_TITLES } from './values.ts';

/**
 * Warnings of spec §4: reported to the sender, but the student is accepted. Each takes normalised values
 * and gives a Problem or undefined.
 */

/** True when a 职务 names the head of the enterprise (董事长, 总经理 …); a 副 or 助理 role never does. */
export function isPrincipalTitle(title: string): boolean {
  const t = valueKey(title).toUpperCase();
  const segments = t.split(/[兼、/,，;；及和&+]|[（(]|[)）]/).filter(Boolean);
  return segments.some((s) => {
    if (/副|助理|秘书|办公室|办主任/.test(s)) return false;
    if (PRINCIPAL_EXACT_TITLES.includes(s)) return true;
    return PRINCIPAL_TITLES.some((p) => s.includes(p.toUpperCase()));
  });
}

/** NOT_PRINCIPAL when 职务 is not a principal role (notice ¶6: 原则上为企业一把手). */
export function principalWarning(title: string | undefined): Problem | undefined {
  if (!title || isPrincipalTitle(title)) return undefined;
  return {
    code: 'NOT_PRINCIPAL',
    message: `职务“${shown(title)}”不是企业主要负责人；通知要求学员原则上为企业一把手（董事长、总经理等）。如确为主要负责人，请在备注中说明。`,
  };
}

/** NOT_SME_LIKELY when 员工人数 ≥ 1000 and 上年度营业收入 ≥ 40000 万元 (beyond the SME thresholds). */
export function smeWarning(employees: string | undefined, revenue: string | undefined): Problem | undefined {
  if (employees === undefined || revenue === undefined) return undefined;
  const e = Number(employees);
  const r = Number(revenue);
  if (!(e >= 1000 && r >= 40000)) return undefined;
  return {
    code: 'NOT_SME_LIKELY',
    message: `员工人数${e}人且上年度营业收入${r}万元，可能已超出中小企业标准；培训面向中小企业，请核实企业规模及所填数字（营业收入以万元为单位）。`,
  };
}

/** TYPE_OTHER_ONLY when the normalised 企业类型 is only 其他. */
export function typeOtherWarning(types: string | undefined): Problem | undefined {
  if (types !== '其他') return undefined;
  return {
    code: 'TYPE_OTHER_ONLY',
    message:
      '企业类型仅填写了“其他”；培训优先面向专精特新等优质中小企业，如企业属于专精特新"小巨人"企业、专精特新中小企业、创新型中小企业、高新技术企业等，请补充填写。',
  };
}

/**
 * ENTERPRISE_REGION_MISMATCH when a valid credit code's division digits lie outside the submitting region of
 * the program's regions. Not checked for a region without divisions: the Corps, whose enterprises are
 * registered across Xinjiang.
 */
export function enterpriseRegionWarning(
  uscc: string | undefined,
  regionCode: string,
  regions: RegionTable,
): Problem | undefined {
  if (uscc?.length !== 18) return undefined;
  const region = regions.byCode(regionCode);
  if (!region || regionDivisions(region).length === 0) return undefined;
  const division = usccDivision(uscc);
  if (!/^\d{6}$/.test(division) || regions.containsDivision(region, division)) return undefined;
  const home = regions.ofDivision(division);
  // A 计划单列市 submits its own enterprises (spec §2): say so, since the province is the usual mistake.
  const where = home
    ? `${home.name}（行政区划${division}）${home.separatePlanning ? `，${home.name}为计划单列市，其企业由${home.name}单独报送` : ''}`
    : `行政区划${division}`;
  return {
    code: 'ENTERPRISE_REGION_MISMATCH',
    message: `统一社会信用代码显示企业登记在${where}，不在${region.name}的报送范围内；请确认企业属于本地区，或核对代码是否填写有误。`,
  };
}
