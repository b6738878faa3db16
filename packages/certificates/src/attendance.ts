import { maskName, normaliseText } from '@lingjun/core';
import type { AttachmentFile, CellValue, RawGrid } from '@lingjun/forms';
import { readAttachment } from '@lingjun/forms/readers';
import { findClass, type Program, parseNumeral } from '@lingjun/program';
import {
  type AttendanceMark,
  type AttendanceSheet,
  type CourseRegistry,
  personKey,
  type Registration,
  type Registry,
} from '@lingjun/registry';

/** Something the organiser should fix or know about a sign-in sheet; never a guess made silently. */
export interface SheetFinding {
  row?: number;
  /** Name as written on the sheet (the organiser wrote it; IDs are never quoted back). */
  student?: string;
  message: string;
}

/** One student row of a sign-in sheet. */
export interface SheetRow {
  row: number;
  name: string;
  idNumber?: string;
  last4?: string;
  /** One entry per half-day column; undefined for an unreadable mark. */
  marks: (AttendanceMark | undefined)[];
  rawMarks: string[];
}

/** A sign-in sheet as read, before matching. */
export interface ParsedSheet {
  file: string;
  classNo?: number;
  halfDays: string[];
  rows: SheetRow[];
  findings: SheetFinding[];
}

/** What importing a sheet did, for the organiser's receipt and the command line. */
export interface AttendanceImport {
  file: string;
  classNo?: number;
  halfDays: string[];
  matched: number;
  rows: number;
  findings: SheetFinding[];
}

const norm = (v: CellValue | undefined): string =>
  v === null || v === undefined ? '' : v instanceof Date ? isoDay(v) : normaliseText(String(v), 'remove');

function isoDay(d: Date): string {
  // Readers build date cells at local midnight of the day the sheet shows; noon avoids zone edge cases.
  const x = new Date(d.getTime() + 12 * 3600_000);
  return `${x.getUTCFullYear()}-${String(x.getUTCMonth() + 1).padStart(2, '0')}-${String(x.getUTCDate()).padStart(2, '0')}`;
}

const PERIOD: Record<string, string> = { 上午: 'AM', 下午: 'PM', 晚上: 'EV', 晚: 'EV' };

/**
 * A stable key for a half-day column: '2025-06-24AM' from 6月24日上午, 2025-06-24 下午, 第1天上午 (counted from
 * the class start) and the like; undefined when the column is not a half-day (单位, 备注, 签名 …).
 */
export function halfDayKey(label: string, classStart?: string): string | undefined {
  const s = normaliseText(label, 'remove');
  const period = /(上午|下午|晚上|晚)/.exec(s)?.[1];
  const p = period ? PERIOD[period]! : '';
  const year = classStart?.slice(0, 4);
  let date: string | undefined;
  const full = /(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})/.exec(s);
  const short = /(?<!\d)(\d{1,2})[月/.-](\d{1,2})日?/.exec(s);
  const nth = /第([0-9一二三四五六七八九十]+)天/.exec(s);
  if (full) date = `${full[1]}-${full[2]!.padStart(2, '0')}-${full[3]!.padStart(2, '0')}`;
  else if (short && year) date = `${year}-${short[1]!.padStart(2, '0')}-${short[2]!.padStart(2, '0')}`;
  else if (nth && classStart) {
    const n = parseNumeral(nth[1]!);
    if (n) {
      const d = new Date(`${classStart}T00:00:00Z`);
      d.setUTCDate(d.getUTCDate() + n - 1);
      date = d.toISOString().slice(0, 10);
    }
  }
  if (date) return `${date}${p || 'DAY'}`;
  return undefined;
}

/** Reads one attendance mark; undefined when the text is not a mark the notice's sheet uses. */
export function readMark(value: string): AttendanceMark | undefined {
  const s = normaliseText(value, 'remove');
  if (s === '') return 'absent';
  if (/^(√|✓|✔|☑|出勤|到|已到|签到|正常|v|V)$/.test(s)) return 'present';
  if (/^(迟到|迟)$/.test(s)) return 'late';
  if (/^(请假|假|事假|病假|公假)$/.test(s)) return 'leave';
  if (/^(缺勤|×|✗|✕|✘|x|X|旷课|缺|未到)$/.test(s)) return 'absent';
  return undefined;
}

type Role = 'name' | 'id' | 'last4' | 'seq' | 'other';

function roleOf(header: string): Role {
  const h = header.replace(/[（(][^）)]*[）)]/g, '');
  if (/^(学员)?姓名$/.test(h)) return 'name';
  if (/后四位|后4位|末四位|尾号/.test(header)) return 'last4';
  if (/身份证|证件号/.test(h)) return 'id';
  if (/^序号$/.test(h)) return 'seq';
  return 'other';
}

/** Reads a sign-in sheet (spec §9): finds the 姓名 header, the ID columns and one column per half-day. */
export async function readSignInSheet(
  file: AttachmentFile,
  program: Program,
  classNo?: number,
): Promise<ParsedSheet> {
  const read = await readAttachment(file);
  const findings: SheetFinding[] = read.unreadable.map((u) => ({ message: `${u.file}：${u.reason}` }));
  const grids: RawGrid[] = read.documents.flatMap((d) => d.grids);
  for (const grid of grids) {
    const headerIdx = grid.rows.findIndex(
      (r, i) => i < 15 && r.cells.some((c) => roleOf(norm(c)) === 'name'),
    );
    if (headerIdx < 0) continue;
    const above = grid.rows
      .slice(0, headerIdx)
      .flatMap((r) => r.cells.map(norm))
      .join(' ');
    const named =
      /第([0-9一二三四五六七八九十]+)期/.exec(above) ??
      /第([0-9一二三四五六七八九十]+)期/.exec(file.filename);
    const sheetClass = named ? parseNumeral(named[1]!) : undefined;
    const no = classNo ?? sheetClass;
    const cls = no !== undefined ? findClass(program, no) : undefined;
    const header = grid.rows[headerIdx]!.cells.map(norm);
    // A second header row of 上午/下午 under merged date cells.
    const next = grid.rows[headerIdx + 1]?.cells.map(norm) ?? [];
    const sub = next.filter((c) => /^(上午|下午|晚上)$/.test(c)).length >= 2;
    const labels: string[] = [];
    let carry = '';
    header.forEach((h, j) => {
      if (h) carry = h;
      labels[j] = sub && next[j] ? `${h || carry}${next[j]}` : h;
    });
    const roles = labels.map(roleOf);
    const cols: { j: number; key: string }[] = [];
    labels.forEach((l, j) => {
      if (roles[j] !== 'other' || !l) return;
      const key = halfDayKey(l, cls?.start);
      if (key) cols.push({ j, key });
    });
    const seen = new Set<string>();
    for (const c of cols) {
      if (seen.has(c.key))
        findings.push({ message: `表头“${labels[c.j]}”与前面的列是同一个半天，以后一列为准。` });
      seen.add(c.key);
    }
    const nameCol = roles.indexOf('name');
    const idCol = roles.indexOf('id');
    const last4Col = roles.indexOf('last4');
    const rows: SheetRow[] = [];
    for (const r of grid.rows.slice(headerIdx + (sub ? 2 : 1))) {
      const cells = r.cells.map(norm);
      const name = cells[nameCol] ?? '';
      if (!name) continue;
      const idText = (idCol >= 0 ? cells[idCol] : '')?.toUpperCase() ?? '';
      const row: SheetRow = { row: r.row, name, marks: [], rawMarks: [] };
      if (idText.length === 18) row.idNumber = idText;
      else if (idText.length === 4) row.last4 = idText;
      const l4 = last4Col >= 0 ? cells[last4Col]?.toUpperCase() : undefined;
      if (l4) row.last4 = l4.slice(-4);
      for (const c of cols) {
        const raw = cells[c.j] ?? '';
        const mark = readMark(raw);
        row.rawMarks.push(raw);
        row.marks.push(mark);
        if (!mark)
          findings.push({ row: r.row, student: name, message: `“${raw}”不是可识别的考勤标记，按缺勤计。` });
      }
      rows.push(row);
    }
    if (cols.length === 0)
      findings.push({ message: '签到表中没有找到按半天（如“6月24日上午”）排列的考勤列。' });
    return {
      file: file.filename,
      ...(no !== undefined ? { classNo: no } : {}),
      halfDays: cols.map((c) => c.key),
      rows,
      findings,
    };
  }
  findings.push({ message: '没有找到签到表（表头应包含“姓名”）。' });
  return { file: file.filename, halfDays: [], rows: [], findings };
}

/**
 * Matches sheet rows to the class's active students: by ID number, else by the last four ID characters with
 * the name, else by the name where it is unique. A row that matches nobody or several students is a finding.
 */
export function matchRows(
  rows: SheetRow[],
  students: Registration[],
  keySecret: string,
): { matches: Map<SheetRow, Registration>; findings: SheetFinding[] } {
  const matches = new Map<SheetRow, Registration>();
  const findings: SheetFinding[] = [];
  const taken = new Map<string, SheetRow>();
  for (const row of rows) {
    let candidates: Registration[];
    let how: string;
    if (row.idNumber) {
      const key = personKey(keySecret, row.idNumber);
      candidates = students.filter((s) => s.personKey === key);
      how = '身份证号码';
    } else if (row.last4) {
      const l4 = row.last4;
      candidates = students.filter(
        (s) => s.name === row.name && (s.values.idNumber ?? '').toUpperCase().endsWith(l4),
      );
      how = '姓名和证件号后四位';
    } else {
      candidates = students.filter((s) => s.name === row.name);
      how = '姓名';
    }
    if (candidates.length === 0) {
      findings.push({
        row: row.row,
        student: row.name,
        message: `按${how}在本期学员名单中找不到此人，本行未计入考勤。请核对后重新发送签到表。`,
      });
      continue;
    }
    if (candidates.length > 1) {
      findings.push({
        row: row.row,
        student: row.name,
        message: `按${how}匹配到${candidates.length}名学员，无法确定是谁，本行未计入考勤。请填写身份证号码或证件号后四位。`,
      });
      continue;
    }
    const reg = candidates[0]!;
    const earlier = taken.get(reg.personKey);
    if (earlier) {
      findings.push({
        row: row.row,
        student: row.name,
        message: `与第${earlier.row}行是同一名学员，以第${row.row}行为准。`,
      });
      matches.delete(earlier);
    }
    taken.set(reg.personKey, row);
    matches.set(row, reg);
  }
  for (const s of students) {
    if (!taken.has(s.personKey)) {
      findings.push({ student: maskName(s.name), message: '本期学员未出现在签到表中，按缺勤计。' });
    }
  }
  return { matches, findings };
}

/**
 * Imports a sign-in sheet: reads it, matches its rows to the class's students and stores one sheet per
 * half-day, each replacing any earlier sheet for that half-day.
 */
export async function importAttendance(input: {
  file: AttachmentFile;
  classNo?: number;
  program: Program;
  registry: Registry;
  course: CourseRegistry;
  keySecret: string;
  source: string;
  now: Date;
}): Promise<AttendanceImport> {
  const parsed = await readSignInSheet(input.file, input.program, input.classNo);
  const base = { file: parsed.file, halfDays: parsed.halfDays, matched: 0, rows: parsed.rows.length };
  if (parsed.classNo === undefined || !findClass(input.program, parsed.classNo)) {
    return {
      ...base,
      findings: [
        ...parsed.findings,
        {
          message:
            parsed.classNo === undefined
              ? '无法确定签到表所属期次：请在表头写明“第N期”，或在文件名中注明。'
              : `没有第${parsed.classNo}期。`,
        },
      ],
    };
  }
  const classNo = parsed.classNo;
  const students = (await input.registry.listClass(classNo)).filter((r) => r.status === 'active');
  const { matches, findings } = matchRows(parsed.rows, students, input.keySecret);
  for (const [i, halfDay] of parsed.halfDays.entries()) {
    const marks: Record<string, AttendanceMark> = {};
    for (const [row, reg] of matches) marks[reg.personKey] = row.marks[i] ?? 'absent';
    const sheet: AttendanceSheet = {
      classNo,
      halfDay,
      marks,
      source: input.source,
      updatedAt: input.now.toISOString(),
    };
    await input.course.putAttendance(sheet);
  }
  return { ...base, classNo, matched: matches.size, findings: [...parsed.findings, ...findings] };
}
