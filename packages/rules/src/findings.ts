/**
 * Finding codes of spec §4. Codes are stable: senders' officers, the bureau's reports and tests refer to
 * them, so a code is never renamed, only added.
 */
export const FINDING_CODES = {
  NO_FORMS: { severity: 'error', scope: 'whole' },
  FILE_UNREADABLE: { severity: 'error', scope: 'file' },
  REQUIRED_MISSING: { severity: 'error', scope: 'student' },
  VALUE_INVALID: { severity: 'error', scope: 'student' },
  ID_CHECKSUM: { severity: 'error', scope: 'student' },
  ID_BIRTH_MISMATCH: { severity: 'error', scope: 'student' },
  USCC_CHECKSUM: { severity: 'error', scope: 'student' },
  PHONE_INVALID: { severity: 'error', scope: 'student' },
  EMAIL_INVALID: { severity: 'error', scope: 'student' },
  UNKNOWN_REGION: { severity: 'error', scope: 'whole' },
  REGION_MISMATCH: { severity: 'error', scope: 'whole' },
  UNKNOWN_CLASS: { severity: 'error', scope: 'student' },
  CLASS_MISMATCH: { severity: 'error', scope: 'student' },
  FORM_MISSING: { severity: 'error', scope: 'student' },
  FORM_MISMATCH: { severity: 'error', scope: 'student' },
  FORM_UNLISTED: { severity: 'warning', scope: 'student' },
  ENTERPRISE_DUPLICATE: { severity: 'error', scope: 'student' },
  PERSON_DUPLICATE: { severity: 'error', scope: 'student' },
  QUOTA_EXCEEDED: { severity: 'error', scope: 'student' },
  DEADLINE_PASSED: { severity: 'error', scope: 'class' },
  SUPERSEDED: { severity: 'error', scope: 'class' },
  NOT_PRINCIPAL: { severity: 'warning', scope: 'student' },
  NOT_SME_LIKELY: { severity: 'warning', scope: 'student' },
  TYPE_OTHER_ONLY: { severity: 'warning', scope: 'student' },
  ENTERPRISE_REGION_MISMATCH: { severity: 'warning', scope: 'student' },
} as const satisfies Record<string, { severity: Severity; scope: Scope }>;

export type Severity = 'error' | 'warning';
/** What an error keeps out: the whole email, one class of it, one file, or one student. */
export type Scope = 'whole' | 'class' | 'file' | 'student';
export type FindingCode = keyof typeof FINDING_CODES;
export type FormName = '附件3' | '附件4' | '附件5';

/** One thing wrong (or worth knowing) about a submission, in the shape of spec §7. */
export interface Finding {
  code: FindingCode;
  severity: Severity;
  form?: FormName;
  file?: string;
  /** The row number a person sees in the spreadsheet; absent for Word forms. */
  row?: number;
  field?: string;
  student?: string;
  /** The class this finding concerns, where known. */
  classNo?: number;
  /** Chinese message that says what is wrong and how to fix it. Never contains an unmasked ID or phone. */
  message: string;
}

/** Builds a finding with the severity its code prescribes. */
export function finding(
  code: FindingCode,
  message: string,
  where: Omit<Finding, 'code' | 'severity' | 'message'> = {},
): Finding {
  return { code, severity: FINDING_CODES[code].severity, ...where, message };
}

/** True when the finding keeps something out (an error rather than a warning). */
export function isError(f: Finding): boolean {
  return f.severity === 'error';
}
