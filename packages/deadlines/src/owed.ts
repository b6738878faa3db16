/**
 * What a region still owes for a deadline, without the reminder mail itself: the reports (the bureau's 进度
 * digest, which intake answers) read it without reaching the reminder writer and its blank forms.
 */
import type { Program } from '@lingjun/program';
import type { BounceRecord } from '@lingjun/registry';
import { classKey, type Deadline, programDeadlines, type RegionStatus } from './status.ts';
import { classList } from './text.ts';

/** One thing a region still owes for a deadline. */
export type MissingItem =
  | { item: 'FORM3'; text: string }
  | { item: 'CLASS'; classes: number[]; text: string }
  | { item: 'CLASS_QUOTA'; classNo: number; used: number; limit: number; text: string }
  | { item: 'QUOTA'; used: number; total: number; text: string };

/**
 * What a region still owes for a deadline (spec §8). 附件3 is owed until it arrives. The classes due are owed
 * while the region has places left and has no student accepted in any of them (a region spreads its places over the
 * classes, so one submission among classes 2–9 answers the second deadline). A per-class quota is owed in
 * full by that class's deadline; the total quota by the last deadline, after which places can only be lost.
 */
export function missingFor(program: Program, region: RegionStatus, deadline: Deadline): MissingItem[] {
  const out: MissingItem[] = [];
  if (!region.submitted.has('FORM3')) {
    out.push({ item: 'FORM3', text: '《领军人才培训工作信息表》（附件3）尚未报送' });
  }
  const left = region.quota.total - region.used.total;
  const open = deadline.classes.filter((c) => (region.quota.perClass[c.no] ?? 1) > 0).map((c) => c.no);
  const accepted = (no: number) => region.used.perClass[no] ?? 0;
  // Answered = someone accepted: a submission whose students were all rejected still leaves the class owed.
  const answered = open.some((no) => accepted(no) > 0);
  if (left > 0 && open.length > 0 && !answered) {
    const tried = open.filter((no) => region.submitted.has(classKey(no)));
    out.push({
      item: 'CLASS',
      classes: open,
      text:
        tried.length > 0
          ? `${classList(open)}培训班尚无录取的学员（已报送的${classList(tried)}材料未通过审核，请按回执修改后重新报送）`
          : `${classList(open)}培训班《领军人才培训报名汇总表》（附件4）和《领军人才培训学员报名表》（附件5）尚未报送`,
    });
  }
  for (const no of open) {
    const limit = region.quota.perClass[no];
    const used = accepted(no);
    if (limit === undefined || used >= limit || left <= 0 || used === 0) continue;
    out.push({
      item: 'CLASS_QUOTA',
      classNo: no,
      used,
      limit,
      text: `第${no}期名额未报满：分配${limit}名，已录取${used}名，尚余${limit - used}名`,
    });
  }
  const last = programDeadlines(program).at(-1)?.date;
  if (deadline.date === last && left > 0) {
    out.push({
      item: 'QUOTA',
      used: region.used.total,
      total: region.quota.total,
      text: `名额未报满：总名额${region.quota.total}名，已录取${region.used.total}名，尚余${left}名`,
    });
  }
  return out;
}

/** Addresses that bounced or complained, per region code (lower-cased, as contacts are). */
export function bouncedAddresses(bounces: BounceRecord[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const b of bounces) {
    const set = out.get(b.region) ?? new Set<string>();
    set.add(b.address.toLowerCase());
    out.set(b.region, set);
  }
  return out;
}
