// exceljs's Workbook module on its own (CommonJS `module.exports = Workbook`); its types are the package's.
declare module 'exceljs/lib/doc/workbook.js' {
  import type { Workbook } from 'exceljs';

  const WorkbookClass: typeof Workbook;
  export default WorkbookClass;
}
