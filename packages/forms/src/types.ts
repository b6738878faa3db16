import type { Finding, FormName } from '@lingjun/rules';

/**
 * What the forms package hands to intake: each recognised form with its records, values normalised
 * (出生年月 as YYYY-MM, 身份证号码 upper-case, 期次 as a number string …) and the per-field findings.
 */

/** One record: a row of 附件3/附件4, or one whole 附件5. */
export interface FormRecord {
  form: FormName;
  file: string;
  /** Spreadsheet row a person sees; absent for Word forms. */
  row?: number;
  /** Normalised values by field key (see definitions.ts); empty fields are absent. */
  values: Record<string, string>;
  /** Findings of the field rules for this record (REQUIRED_MISSING, VALUE_INVALID, ID_CHECKSUM …). */
  findings: Finding[];
  /** Cell addresses by field key, so the annotated workbook can mark the offending cell (e.g. 'H7'). */
  cells?: Record<string, string>;
  /** Sheet the record came from, for the annotated workbook. */
  sheet?: string;
}

export interface Form3 {
  form: '附件3';
  file: string;
  records: FormRecord[];
}

export interface Form4 {
  form: '附件4';
  file: string;
  /** 填报地区 as written above the table, if present. */
  regionText?: string;
  /** Region code resolved from regionText. */
  regionCode?: string;
  /** 培训期次 as written above the table, and its number when it could be read. */
  classText?: string;
  classNo?: number;
  records: FormRecord[];
  /** Header row number (1-based) and sheet, for the annotated workbook. */
  headerRow?: number;
  sheet?: string;
}

export interface Form5 {
  form: '附件5';
  file: string;
  record: FormRecord;
}

export type RecognisedForm = Form3 | Form4 | Form5;

/** All forms found in a set of attachments, plus file-level findings (FILE_UNREADABLE …). */
export interface ExtractResult {
  forms: RecognisedForm[];
  findings: Finding[];
}
