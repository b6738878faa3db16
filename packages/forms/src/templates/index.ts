import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Program } from '@lingjun/program';
import { FORM3, FORM4, FORM5 } from '../definitions.ts';
import { formTitle } from './common.ts';
import { buildEvaluationWorkbook, EVALUATION_TITLE } from './evaluation.ts';
import { buildForm3Workbook } from './form3.ts';
import { buildForm4Workbook } from './form4.ts';
import { buildForm5Docx } from './form5-docx.ts';
import { buildForm5Workbook } from './form5-xlsx.ts';

export { classChoices, formTitle, LIST_SHEET, newWorkbook, printedLabel, validateRange } from './common.ts';
export {
  buildEvaluationWorkbook,
  EVALUATION_ITEMS,
  EVALUATION_TITLE,
  type EvaluationItem,
  evaluationHeading,
} from './evaluation.ts';
export * from './fonts.ts';
export { buildForm3Workbook, FORM3_LAYOUT } from './form3.ts';
export { buildForm4Workbook, FORM4_LAYOUT } from './form4.ts';
export { A4, buildForm5Docx, form5DocxLayout } from './form5-docx.ts';
export { buildForm5Workbook, FORM5_XLSX_LAYOUT, form5XlsxRow } from './form5-xlsx.ts';

/** One generated blank form: its file name and bytes. */
export interface TemplateFile {
  name: string;
  content: Uint8Array;
}

/** Builds every blank form of the program in memory (附件3, 附件4, 附件5 as .docx and .xlsx). */
export async function buildTemplates(program: Program): Promise<TemplateFile[]> {
  const xlsx = async (wb: Promise<{ xlsx: { writeBuffer(): Promise<ArrayBuffer | Buffer> } }>) =>
    new Uint8Array(await (await wb).xlsx.writeBuffer());
  return [
    { name: `附件3-${formTitle(program, FORM3)}.xlsx`, content: await xlsx(buildForm3Workbook(program)) },
    { name: `附件4-${formTitle(program, FORM4)}.xlsx`, content: await xlsx(buildForm4Workbook(program)) },
    { name: `附件5-${formTitle(program, FORM5)}.docx`, content: await buildForm5Docx(program) },
    { name: `附件5-${formTitle(program, FORM5)}.xlsx`, content: await xlsx(buildForm5Workbook(program)) },
    {
      name: `评价表-${program.year}年度${EVALUATION_TITLE}.xlsx`,
      content: await xlsx(buildEvaluationWorkbook(program)),
    },
  ];
}

/** Writes the blank forms into `outDir` (created if needed); resolves to the written paths. */
export async function writeTemplates(program: Program, outDir: string): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const paths: string[] = [];
  for (const t of await buildTemplates(program)) {
    const path = join(outDir, t.name);
    await writeFile(path, t.content);
    paths.push(path);
  }
  return paths;
}
