import { maskId, nameKey, normaliseText } from '@lingjun/core';
import type { Form4, Form5, FormRecord, RecognisedForm } from '@lingjun/forms';
import { findClass, isPastDeadline, type Program } from '@lingjun/program';
import { type Finding, finding } from '@lingjun/rules';

/** A student as this email proposes them: a 附件4 row joined with its 附件5, with every finding about them. */
export interface Candidate {
  classNo: number;
  /** Row order within the class across the email: quota places are taken in this order. */
  order: number;
  file: string;
  row?: number;
  name: string;
  values: Record<string, string>;
  findings: Finding[];
  /** True when a 附件5 for this student came with the email. */
  hasForm5: boolean;
  /** The 附件4 record this candidate came from, for the annotated workbook. */
  record?: FormRecord;
}

/** Candidates grouped by class, plus findings that concern no single student. */
export interface Assembly {
  classes: Map<number, Candidate[]>;
  /** 附件5 forms that no 附件4 row of the email lists: they may complete students on file. */
  loose: Form5[];
  findings: Finding[];
  /** Classes whose deadline has passed at receipt time. */
  late: Set<number>;
}

/** Fields on which a 附件5 must agree with its 附件4 row (spec §4 FORM_MISMATCH). */
const MATCHED_FIELDS = [
  ['name', '姓名'],
  ['idNumber', '身份证号码'],
  ['enterprise', '企业名称'],
  ['uscc', '统一社会信用代码'],
  ['mobile', '手机号码'],
] as const;

const norm = (s: string | undefined) =>
  normaliseText(s ?? '', 'remove').replace(/[（）]/g, (c) => (c === '（' ? '(' : ')'));

/**
 * Joins 附件4 rows with 附件5 forms and applies the rules that span forms and the calendar: unknown class,
 * class mismatch, missing or disagreeing 附件5, duplicates inside the email, deadline by receipt time.
 */
export function assemble(forms: RecognisedForm[], program: Program, receivedAt: Date): Assembly {
  const findings: Finding[] = [];
  const form4s = forms.filter((f): f is Form4 => f.form === '附件4');
  const form5s = forms.filter((f): f is Form5 => f.form === '附件5');
  const used = new Set<Form5>();
  const classes = new Map<number, Candidate[]>();
  const late = new Set<number>();
  const lateDeadline = new Map<number, string>();
  let order = 0;

  for (const f4 of form4s) {
    const cls = f4.classNo === undefined ? undefined : findClass(program, f4.classNo);
    if (!cls) {
      // A number the year lacks was already reported when the header was read; say it once.
      if (f4.classNo === undefined)
        findings.push(
          finding(
            'UNKNOWN_CLASS',
            f4.classText
              ? `培训期次“${f4.classText}”不是本年度的期次（共${program.classes.length}期），请在表头“培训期次：第 期”处填写正确期次后重新报送。`
              : '报名汇总表未填写培训期次，请在表头“培训期次：第 期”处填写期次后重新报送。',
            { form: '附件4', file: f4.file, field: '培训期次' },
          ),
        );
      // Its students' 附件5s belong to this refused list: said once here, not again as unknown or unlisted.
      for (const rec of f4.records) {
        const f5 = matchForm5(rec, form5s, used);
        if (!f5) continue;
        used.add(f5);
        findings.push(
          ...f5.record.findings.filter((f) => f.code !== 'UNKNOWN_CLASS' && f.field !== '培训期次'),
        );
      }
      continue;
    }
    if (isPastDeadline(program, cls, receivedAt)) {
      late.add(cls.no);
      lateDeadline.set(cls.no, cls.deadline);
    }
    const list = classes.get(cls.no) ?? [];
    classes.set(cls.no, list);
    for (const rec of f4.records) {
      const name = rec.values.name ?? '';
      const c: Candidate = {
        classNo: cls.no,
        order: order++,
        file: f4.file,
        ...(rec.row !== undefined ? { row: rec.row } : {}),
        name,
        values: { ...rec.values },
        findings: rec.findings.map((f) => ({ ...f, classNo: cls.no })),
        hasForm5: false,
        record: rec,
      };
      const f5 = matchForm5(rec, form5s, used);
      if (f5) {
        used.add(f5);
        c.hasForm5 = true;
        joinForm5(c, f5, cls.no);
      }
      list.push(c);
    }
  }

  const loose = form5s.filter((f) => !used.has(f));
  for (const f5 of loose) {
    // Field findings of a loose 附件5 still tell the sender what to fix.
    findings.push(...f5.record.findings);
  }

  for (const [no, list] of classes) {
    flagDuplicatesWithin(list);
    const deadline = lateDeadline.get(no);
    if (deadline !== undefined) {
      for (const c of list) {
        c.findings.push(
          finding(
            'DEADLINE_PASSED',
            `第${no}期报名已于${deadline}截止（以系统收到邮件的时间为准），本期报名未予受理。如有特殊情况请与部中小企业局联系。`,
            { form: '附件4', file: c.file, ...(c.row ? { row: c.row } : {}), student: c.name, classNo: no },
          ),
        );
      }
    }
  }
  return { classes, loose, findings, late };
}

function matchForm5(rec: FormRecord, form5s: Form5[], used: Set<Form5>): Form5 | undefined {
  const id = rec.values.idNumber;
  const name = nameKey(rec.values.name ?? '');
  const free = form5s.filter((f) => !used.has(f));
  if (id) {
    const byId = free.find((f) => f.record.values.idNumber === id);
    if (byId) return byId;
  }
  const byName = free.filter((f) => name && nameKey(f.record.values.name ?? '') === name);
  return byName.length === 1 ? byName[0] : undefined;
}

function joinForm5(c: Candidate, f5: Form5, classNo: number): void {
  const v5 = f5.record.values;
  const where = { form: '附件5' as const, file: f5.file, student: c.name, classNo };
  for (const [key, label] of MATCHED_FIELDS) {
    const a = c.values[key];
    const b = v5[key];
    if (a && b && (key === 'name' ? nameKey(a) !== nameKey(b) : norm(a) !== norm(b))) {
      const shown =
        key === 'idNumber' ? `${maskId(a)} / ${maskId(b)}` : key === 'mobile' ? '' : `“${a}” / “${b}”`;
      c.findings.push(
        finding(
          'FORM_MISMATCH',
          `学员报名表的${label}与报名汇总表不一致${shown ? `（汇总表/报名表：${shown}）` : ''}，请核对后使两表一致。`,
          { ...where, field: label },
        ),
      );
    }
  }
  if (v5.classNo && Number(v5.classNo) !== classNo) {
    c.findings.push(
      finding(
        'CLASS_MISMATCH',
        `学员报名表填写的培训期次为第${v5.classNo}期，而报名汇总表为第${classNo}期，请核对后使两表一致。`,
        { ...where, field: '培训期次' },
      ),
    );
  }
  c.findings.push(...f5.record.findings.map((f) => ({ ...f, student: f.student ?? c.name, classNo })));
  // 附件5 carries fields 附件4 does not (员工人数, 营业收入 …); the 附件4 row wins where both have a value.
  c.values = { ...v5, ...c.values };
}

function flagDuplicatesWithin(list: Candidate[]): void {
  const seenUscc = new Map<string, Candidate>();
  const seenId = new Map<string, Candidate>();
  for (const c of list) {
    const where = {
      form: '附件4' as const,
      file: c.file,
      ...(c.row ? { row: c.row } : {}),
      student: c.name,
      classNo: c.classNo,
    };
    const uscc = c.values.uscc;
    const id = c.values.idNumber;
    const first = uscc ? seenUscc.get(uscc) : undefined;
    if (id && seenId.has(id)) {
      c.findings.push(
        finding('PERSON_DUPLICATE', '同一学员在本次报送中出现了两次，请删除重复的一行。', {
          ...where,
          field: '身份证号码',
        }),
      );
    } else if (first) {
      c.findings.push(
        finding(
          'ENTERPRISE_DUPLICATE',
          `该企业在本次报送中已有学员（${first.name}${first.row ? `，第${first.row}行` : ''}）。每个企业本年度仅可报名一个培训班且限报一人，请只保留一人。`,
          { ...where, field: '统一社会信用代码' },
        ),
      );
    }
    if (id && !seenId.has(id)) seenId.set(id, c);
    if (uscc && !seenUscc.has(uscc)) seenUscc.set(uscc, c);
  }
}

/** Missing 附件5: a listed student with neither a 附件5 in this email nor one on file. */
export function formMissing(c: Candidate): Finding {
  return finding('FORM_MISSING', '未收到该学员的《学员报名表》（附件5）。请将附件5与报名汇总表一并发送。', {
    form: '附件4',
    file: c.file,
    ...(c.row ? { row: c.row } : {}),
    student: c.name,
    field: '姓名',
    classNo: c.classNo,
  });
}
