import { programRegions, type RegionTable } from '@lingjun/program';
import type { Registration } from '@lingjun/registry';
import { addTable, type Column, newWorkbook, type RowValue, workbookBytes } from './sheet.ts';
import { contactsOf, type DeadlineDeps } from './status.ts';
import { chineseDate } from './text.ts';

/** Which roster: a class, a region, both, or the whole year. */
export interface RosterFilter {
  classNo?: number;
  region?: string;
  /** Adds a 身份证号码 column (the bureau's year list); class organisers get none. */
  includeId?: boolean;
}

/**
 * Roster workbook of accepted students: for the class organiser (姓名, 性别, 民族, 企业, 职务, 手机, 地区,
 * 地区联系人), per class, per region or for the year. Without a filter: the year's list and one sheet per
 * class. Every value goes through the formula-injection guard.
 */
export async function rosterWorkbook(
  deps: Pick<DeadlineDeps, 'program' | 'registry'>,
  filter: RosterFilter = {},
): Promise<{ workbook: Uint8Array; count: number }> {
  const { program } = deps;
  const regions = programRegions(program);
  const classes = [...program.classes]
    .sort((a, b) => a.no - b.no)
    .filter((c) => filter.classNo === undefined || c.no === filter.classNo);
  const regs: Registration[] = [];
  if (filter.region) regs.push(...(await deps.registry.listRegion(filter.region, filter.classNo)));
  else for (const c of classes) regs.push(...(await deps.registry.listClass(c.no)));
  const active = regs.filter((r) => r.status === 'active').sort((a, b) => rosterOrder(regions, a, b));
  const contacts = new Map<string, string>();
  for (const code of new Set(active.map((r) => r.region))) {
    contacts.set(code, (await contactsOf(deps, code)).join('、'));
  }
  const columns: Column[] = [
    { header: '序号', numeric: true },
    { header: '期次' },
    { header: '姓名' },
    { header: '性别' },
    { header: '民族' },
    ...(filter.includeId ? [{ header: '身份证号码' }] : []),
    { header: '企业名称' },
    { header: '职务' },
    { header: '手机号码' },
    { header: '地区' },
    { header: '地区联系人' },
  ];
  const rowsOf = (list: Registration[]): RowValue[][] =>
    list.map((r, i) => [
      i + 1,
      `第${r.classNo}期`,
      r.name,
      r.values.sex,
      r.values.ethnicity,
      ...(filter.includeId ? [r.values.idNumber] : []),
      r.values.enterprise,
      r.values.title,
      r.values.mobile,
      regions.nameOf(r.region),
      contacts.get(r.region) ?? '',
    ]);
  const wb = await newWorkbook();
  const regionName = filter.region ? regions.nameOf(filter.region) : '';
  if (filter.classNo !== undefined) {
    const c = classes[0];
    const where = c ? `（${c.location}，${chineseDate(c.start)}—${chineseDate(c.end)}）` : '';
    addTable(
      wb,
      `第${filter.classNo}期`,
      `${program.title}第${filter.classNo}期学员名单${regionName ? `（${regionName}）` : ''}${where}`,
      columns,
      rowsOf(active),
    );
  } else if (filter.region) {
    addTable(wb, regionName, `${program.title}${regionName}学员名单`, columns, rowsOf(active));
  } else {
    addTable(wb, '全年', `${program.title}学员名单（全年）`, columns, rowsOf(active));
    for (const c of classes) {
      const list = active.filter((r) => r.classNo === c.no);
      if (list.length === 0) continue;
      addTable(
        wb,
        `第${c.no}期`,
        `第${c.no}期学员名单（${c.location}，${chineseDate(c.start)}—${chineseDate(c.end)}）`,
        columns,
        rowsOf(list),
      );
    }
  }
  return { workbook: await workbookBytes(wb), count: active.length };
}

/** Class, then region in the program's order, then acceptance. */
function rosterOrder(regions: RegionTable, a: Registration, b: Registration): number {
  return (
    a.classNo - b.classNo ||
    regions.position(a.region) - regions.position(b.region) ||
    a.acceptedAt.localeCompare(b.acceptedAt) ||
    a.seq - b.seq
  );
}
