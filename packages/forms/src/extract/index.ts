import type { Program, RegionTable } from '@lingjun/program';
import { enterpriseRegionWarning, type Finding, finding } from '@lingjun/rules';
import type { RawDocument } from '../raw.ts';
import type { ExtractResult, FormRecord, RecognisedForm } from '../types.ts';
import { extractLabelled, textGrid } from './labelled.ts';
import { withTextMemo } from './normalise.ts';
import { extractTable, findTable } from './table.ts';

export { normaliseHeader } from './normalise.ts';
export { readHeaderBlock } from './table.ts';

/**
 * Recognises 附件3/4/5 in read documents by their content (never by file name) and turns each into records
 * with normalised values and per-field findings (spec §3, §4).
 */
export function extractForms(docs: readonly RawDocument[], ctx: { program: Program }): ExtractResult {
  return withTextMemo(() => extractAll(docs, ctx));
}

function extractAll(docs: readonly RawDocument[], ctx: { program: Program }): ExtractResult {
  const forms: RecognisedForm[] = [];
  const findings: Finding[] = [];
  for (const doc of docs) {
    const labelledGrids = [];
    for (const grid of doc.grids) {
      const layout = findTable(grid);
      if (layout) {
        const out = extractTable(doc, grid, layout, ctx);
        forms.push(...out.forms);
        findings.push(...out.findings);
      } else {
        labelledGrids.push(grid);
      }
    }
    let form5s = extractLabelled(doc, labelledGrids, ctx);
    // A .doc/.wps reader gives only text; a .docx may hold the form in paragraphs rather than a table.
    if (form5s.length === 0 && doc.text && !forms.some((f) => f.file === doc.file)) {
      form5s = extractLabelled(doc, [textGrid(doc.text)], ctx);
    }
    forms.push(...form5s);
  }
  return { forms, findings };
}

/**
 * ENTERPRISE_REGION_MISMATCH for one record, once intake knows the submitting region (spec §4; never for
 * 兵团). Returns an empty list when the credit code lies inside the region or is itself invalid.
 */
export function regionWarnings(record: FormRecord, regionCode: string, regions: RegionTable): Finding[] {
  const p = enterpriseRegionWarning(record.values.uscc, regionCode, regions);
  if (!p) return [];
  const classNo = record.values.classNo ? Number(record.values.classNo) : undefined;
  return [
    finding(p.code, p.message, {
      form: record.form,
      file: record.file,
      ...(record.row !== undefined ? { row: record.row } : {}),
      field: '统一社会信用代码',
      ...(record.values.name ? { student: record.values.name } : {}),
      ...(classNo !== undefined ? { classNo } : {}),
    }),
  ];
}
