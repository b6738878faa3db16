import type { Program } from '@lingjun/program';
import type { AttendanceSheet, Registration } from '@lingjun/registry';

/** One student's attendance over a class and whether it completes the course (¶14). */
export interface CompletionResult {
  student: Registration;
  halfDays: number;
  present: number;
  late: number;
  leave: number;
  absent: number;
  completed: boolean;
  /** Why not, in Chinese, for the completion list; empty when completed. */
  reason: string;
}

/**
 * Completed = every recorded half-day attended (迟到 counts as present) except at most
 * `completion.maxExcusedHalfDays` 请假 and `completion.maxUnexcusedHalfDays` absences. A student missing
 * from a half-day's sheet was absent that half-day.
 */
export function completion(
  program: Program,
  students: Registration[],
  sheets: AttendanceSheet[],
): CompletionResult[] {
  const { maxExcusedHalfDays, maxUnexcusedHalfDays } = program.completion;
  return students.map((student) => {
    let present = 0;
    let late = 0;
    let leave = 0;
    let absent = 0;
    for (const sheet of sheets) {
      const mark = sheet.marks[student.personKey] ?? 'absent';
      if (mark === 'present') present++;
      else if (mark === 'late') late++;
      else if (mark === 'leave') leave++;
      else absent++;
    }
    const reasons: string[] = [];
    if (leave > maxExcusedHalfDays) reasons.push(`请假${leave}个半天，超过允许的${maxExcusedHalfDays}个`);
    if (absent > maxUnexcusedHalfDays)
      reasons.push(
        maxUnexcusedHalfDays === 0
          ? `缺勤${absent}个半天`
          : `缺勤${absent}个半天，超过允许的${maxUnexcusedHalfDays}个`,
      );
    return {
      student,
      halfDays: sheets.length,
      present,
      late,
      leave,
      absent,
      completed: reasons.length === 0,
      reason: reasons.join('；'),
    };
  });
}
