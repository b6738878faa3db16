import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AlignmentType,
  Document,
  Packer,
  PageBreak,
  Paragraph,
  Table,
  TableCell,
  TableRow,
  TextRun,
  VerticalMergeType,
} from 'docx';
import ExcelJS from 'exceljs';
import { unzipSync, zipSync } from 'fflate';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { type CellValue, type RawDocument, type RawGrid, readAttachment } from '../src/index.ts';
import { buildXls, gbk, writeZip } from './fixtures/build.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures');
// An 18-digit ID typed into Excel as a number: it loses its last digits, which is what the format lets us tell.
const ID_AS_NUMBER = Number('110101197506011234');

async function readOne(filename: string, content: Uint8Array): Promise<RawDocument> {
  const result = await readAttachment({ filename, content });
  expect(result.unreadable).toEqual([]);
  expect(result.documents).toHaveLength(1);
  return result.documents[0]!;
}

function cellsOf(grid: RawGrid | undefined): CellValue[][] {
  return (grid?.rows ?? []).map((r) => r.cells);
}

/** The cell right of the first cell equal to `label`, skipping nulls (spanned cells). */
function valueAfter(grid: RawGrid, label: string): CellValue | undefined {
  for (const row of grid.rows) {
    const i = row.cells.indexOf(label);
    if (i >= 0) return row.cells.slice(i + 1).find((c) => c !== null);
  }
  return undefined;
}

async function excelFixture(configure?: (wb: ExcelJS.Workbook) => void): Promise<Uint8Array> {
  const wb = new ExcelJS.Workbook();
  configure?.(wb);
  const ws = wb.addWorksheet('汇总表');
  ws.addRow(['2025年度中小企业经营管理领军人才培训报名汇总表']);
  ws.mergeCells('A1:F1');
  ws.addRow(['序号', '姓名', '出生年月', '身份证号码', '手机号码', '备注']);
  const r3 = ws.addRow([1, '张三', new Date(Date.UTC(1975, 5, 1)), ID_AS_NUMBER, '13800138000']);
  r3.getCell(3).numFmt = 'yyyy"年"m"月"';
  r3.getCell(4).numFmt = '0';
  const r4 = ws.addRow([2, { richText: [{ text: '李' }, { font: { bold: true }, text: '四' }] }]);
  r4.getCell(5).value = { text: '13900139000', hyperlink: 'tel:13900139000' };
  r4.getCell(6).value = { formula: 'A4*10', result: 20 };
  ws.getCell('A5').value = 3;
  ws.getCell('B5').value = { formula: 'A3+A4', result: 3 };
  ws.getCell('B6').value = { sharedFormula: 'B5', result: 5 };
  return new Uint8Array(await wb.xlsx.writeBuffer());
}

describe('readAttachment: xlsx', () => {
  it('reads strings, numbers, dates, rich text, formula results, hyperlinks and merged cells', async () => {
    const doc = await readOne('附件4：汇总表.xlsx', await excelFixture());
    expect(doc.format).toBe('xlsx');
    const grid = doc.grids[0]!;
    expect(grid.name).toBe('汇总表');
    const rows = cellsOf(grid);
    // Merged title: value in the master cell only.
    expect(rows[0]).toEqual(['2025年度中小企业经营管理领军人才培训报名汇总表']);
    expect(grid.rows.map((r) => r.row)).toEqual([1, 2, 3, 4, 5, 6]);
    const data = grid.rows[2]!;
    expect(data.cells[1]).toBe('张三');
    expect(data.cells[2]).toBeInstanceOf(Date);
    expect((data.cells[2] as Date).toISOString()).toBe('1975-06-01T00:00:00.000Z');
    expect(data.cells[3]).toBe(ID_AS_NUMBER);
    // The next layer needs the number format to tell an ID typed as a number.
    expect(data.formats?.[3]).toBe('0');
    expect(data.formats?.[2]).toBe('yyyy"年"m"月"');
    expect(rows[3]).toEqual([2, '李四', null, null, '13900139000', 20]);
    expect(rows[4]?.[1]).toBe(3);
    expect(rows[5]?.[1]).toBe(5);
  });

  it('reads a 1904-date-system workbook to the same calendar dates', async () => {
    const wb = new ExcelJS.Workbook();
    wb.properties.date1904 = true;
    const ws = wb.addWorksheet('Sheet1');
    // Serial 26084 in the 1904 system is 1975-06-01 (1462 days less than the 1900 system's 27546).
    ws.getCell('A1').value = 26084;
    ws.getCell('A1').numFmt = 'yyyy-mm';
    const doc = await readOne('a.xlsx', new Uint8Array(await wb.xlsx.writeBuffer()));
    const value = doc.grids[0]!.rows[0]!.cells[0] as Date;
    expect(value).toBeInstanceOf(Date);
    expect(value.toISOString().slice(0, 10)).toBe('1975-06-01');
  });

  it('reads zh-CN built-in date formats that Chinese Excel references by id only', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Sheet1');
    ws.getCell('A1').value = 27546;
    ws.getCell('A1').numFmt = 'yyyy"年"m"月"';
    const parts = unzipSync(new Uint8Array(await wb.xlsx.writeBuffer()));
    const styles = new TextDecoder().decode(parts['xl/styles.xml']);
    // As Chinese Excel writes "2001年3月": numFmtId 57 in cellXfs and no <numFmt> for it.
    parts['xl/styles.xml'] = new TextEncoder().encode(
      styles.replace(/<numFmts[\s\S]*?<\/numFmts>/, '').replace(/numFmtId="164"/g, 'numFmtId="57"'),
    );
    const doc = await readOne('a.xlsx', zipSync(parts));
    expect(doc.grids[0]!.rows[0]).toEqual({
      row: 1,
      cells: [new Date(Date.UTC(1975, 5, 1))],
      formats: ['yyyy"年"m"月"'],
    });
    // An id defined nowhere reads as General rather than losing the sheet.
    parts['xl/styles.xml'] = new TextEncoder().encode(
      styles.replace(/<numFmts[\s\S]*?<\/numFmts>/, '').replace(/numFmtId="164"/g, 'numFmtId="190"'),
    );
    const general = await readOne('b.xlsx', zipSync(parts));
    expect(general.grids[0]!.rows[0]).toEqual({ row: 1, cells: [27546], formats: ['General'] });
  });

  it('reads an xlsx that was named .xls (type from bytes, not name)', async () => {
    const doc = await readOne('附件4.xls', await excelFixture());
    expect(doc.format).toBe('xlsx');
    expect(doc.grids[0]!.rows[2]!.cells[1]).toBe('张三');
  });

  it('reads a sheet written with a namespace prefix and rows of only empty styled cells', async () => {
    const parts = unzipSync(await excelFixture());
    const path = 'xl/worksheets/sheet1.xml';
    const xml = new TextDecoder()
      .decode(parts[path])
      .replace(
        '</sheetData>',
        '<row r="40" spans="1:3">\n  <c r="A40" s="1"/>\n</row><row r="41"></row></sheetData>',
      );
    // As some generators write SpreadsheetML: every element prefixed, the namespace bound to the prefix.
    const prefixed = xml
      .replace(/<(\/?)(?!\?|x:|\w+:)(\w+)/g, '<$1x:$2')
      .replace('<x:worksheet xmlns=', '<x:worksheet xmlns:x=');
    const plain = await readOne('a.xlsx', zipSync({ ...parts, [path]: new TextEncoder().encode(xml) }));
    const doc = await readOne('b.xlsx', zipSync({ ...parts, [path]: new TextEncoder().encode(prefixed) }));
    expect(doc.grids[0]!.rows).toEqual(plain.grids[0]!.rows);
    expect(cellsOf(doc.grids[0])[0]).toEqual(['2025年度中小企业经营管理领军人才培训报名汇总表']);
    expect(doc.grids[0]!.rows.map((r) => r.row)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('reads parts written in UTF-16 (with a byte-order mark) as it reads them in UTF-8', async () => {
    const bytes = await excelFixture();
    const parts = unzipSync(bytes);
    const utf16 = (data: Uint8Array) =>
      new Uint8Array(Buffer.from(`\ufeff${new TextDecoder().decode(data)}`, 'utf16le'));
    const rewritten = zipSync({
      ...parts,
      'xl/sharedStrings.xml': utf16(parts['xl/sharedStrings.xml']!),
      'xl/worksheets/sheet1.xml': utf16(parts['xl/worksheets/sheet1.xml']!),
    });
    const plain = await readOne('a.xlsx', bytes);
    const doc = await readOne('b.xlsx', rewritten);
    expect(doc.grids[0]!.rows).toEqual(plain.grids[0]!.rows);
    expect(doc.grids[0]!.rows[2]!.cells[1]).toBe('张三');
  });

  it('omits empty rows and keeps spreadsheet row numbers', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('S');
    ws.getCell('A2').value = '序号';
    ws.getCell('C9').value = '张三';
    const doc = await readOne('x.xlsx', new Uint8Array(await wb.xlsx.writeBuffer()));
    expect(doc.grids[0]!.rows).toEqual([
      { row: 2, cells: ['序号'] },
      { row: 9, cells: [null, null, '张三'] },
    ]);
  });
});

describe('readAttachment: xls and et', () => {
  const rows = [
    ['序号', '姓名', '出生年月', '身份证号码'],
    [1, '王五', new Date(Date.UTC(1980, 0, 15)), '11010119800115123X'],
  ];

  it('reads BIFF8 values with dates as Date', async () => {
    const doc = await readOne('附件4.xls', buildXls(rows, '汇总表'));
    expect(doc.format).toBe('xls');
    expect(doc.grids[0]!.name).toBe('汇总表');
    const data = doc.grids[0]!.rows[1]!.cells;
    expect(data[0]).toBe(1);
    expect(data[1]).toBe('王五');
    expect((data[2] as Date).toISOString().slice(0, 10)).toBe('1980-01-15');
    expect(data[3]).toBe('11010119800115123X');
  });

  it('names a WPS .et workbook as et', async () => {
    const doc = await readOne('附件4.et', buildXls(rows));
    expect(doc.format).toBe('et');
    expect(doc.grids[0]!.rows[1]!.cells[1]).toBe('王五');
  });
});

describe('readAttachment: csv', () => {
  const text =
    '姓名,身份证号码,备注\r\n张三,110101197506011234,"含,逗号"\r\n李四,11010119800115123X,"第一行\n第二行 ""引号"""\r\n\r\n';

  it('decodes GB18030 and parses quoted fields', async () => {
    const doc = await readOne('附件4.csv', new Uint8Array(iconv.encode(text, 'gb18030')));
    expect(doc.format).toBe('csv');
    expect(doc.grids[0]!.name).toBe('附件4');
    expect(cellsOf(doc.grids[0])).toEqual([
      ['姓名', '身份证号码', '备注'],
      ['张三', '110101197506011234', '含,逗号'],
      ['李四', '11010119800115123X', '第一行\n第二行 "引号"'],
    ]);
  });

  it('decodes UTF-8 with a BOM', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
    const doc = await readOne('a.csv', new Uint8Array(bytes));
    expect(doc.grids[0]!.rows[1]!.cells[0]).toBe('张三');
  });

  it('reads tab-separated UTF-16 text (Excel "Unicode text") even when named .txt', async () => {
    const bytes = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from('姓名\t性别\n张三\t男\n', 'utf16le'),
    ]);
    const doc = await readOne('a.txt', new Uint8Array(bytes));
    expect(cellsOf(doc.grids[0])).toEqual([
      ['姓名', '性别'],
      ['张三', '男'],
    ]);
  });
});

function labelRow(pairs: [string, string][], spans?: number[]): TableRow {
  return new TableRow({
    children: pairs.flatMap(([label, value], i) => [
      new TableCell({ children: [new Paragraph(label)] }),
      new TableCell({ children: [new Paragraph(value)], columnSpan: spans?.[i] }),
    ]),
  });
}

function formTable(name: string, id: string): Table {
  return new Table({
    rows: [
      new TableRow({
        children: [
          new TableCell({ children: [new Paragraph('姓名')] }),
          new TableCell({ children: [new Paragraph(name)] }),
          new TableCell({ children: [new Paragraph('性别')] }),
          new TableCell({ children: [new Paragraph('男')] }),
          new TableCell({
            children: [new Paragraph('照片')],
            rowSpan: 2,
            verticalMerge: VerticalMergeType.RESTART,
          }),
        ],
      }),
      new TableRow({
        children: [
          new TableCell({ children: [new Paragraph('民族')] }),
          new TableCell({ children: [new Paragraph('汉族')] }),
          new TableCell({ children: [new Paragraph('学历')] }),
          new TableCell({ children: [new Paragraph('大学本科')] }),
        ],
      }),
      labelRow([['身份证号码', id]], [4]),
      new TableRow({
        children: [
          new TableCell({ children: [new Paragraph('个人简历')] }),
          new TableCell({
            columnSpan: 4,
            children: [
              new Paragraph({
                children: [new TextRun('2000-2010'), new TextRun({ text: '某公司', break: 1 })],
              }),
              new Paragraph('2010至今 总经理'),
            ],
          }),
        ],
      }),
    ],
  });
}

async function buildDocx(forms: [string, string][]): Promise<Uint8Array> {
  const children = forms.flatMap(([name, id], i) => [
    new Paragraph({ alignment: AlignmentType.CENTER, children: [new TextRun('领军人才培训学员报名表')] }),
    formTable(name, id),
    new Paragraph({ children: i < forms.length - 1 ? [new PageBreak()] : [new TextRun('推荐单位（盖章）')] }),
  ]);
  const doc = new Document({ sections: [{ children }] });
  return new Uint8Array(await Packer.toBuffer(doc));
}

describe('readAttachment: docx', () => {
  it('reads tables honouring gridSpan and vMerge, and paragraphs as text', async () => {
    const doc = await readOne(
      '附件5：学员报名表-张三.docx',
      await buildDocx([['张三', '110101197506011234']]),
    );
    expect(doc.format).toBe('docx');
    const grid = doc.grids[0]!;
    expect(grid.name).toBe('表格1');
    expect(grid.fromDocument).toBe(true);
    expect(cellsOf(grid)).toEqual([
      ['姓名', '张三', '性别', '男', '照片'],
      ['民族', '汉族', '学历', '大学本科', null],
      ['身份证号码', '110101197506011234', null, null, null],
      ['个人简历', '2000-2010\n某公司\n2010至今 总经理', null, null, null],
    ]);
    expect(doc.text).toContain('领军人才培训学员报名表');
    expect(doc.text).toContain('推荐单位（盖章）');
    expect(doc.text).not.toContain('张三');
  });

  it('gives each of several forms in one document its own grid', async () => {
    const doc = await readOne(
      '附件5.docx',
      await buildDocx([
        ['张三', '110101197506011234'],
        ['李四', '11010119800115123X'],
        ['王五', '110101198001151234'],
      ]),
    );
    expect(doc.grids.map((g) => g.name)).toEqual(['表格1', '表格2', '表格3']);
    expect(doc.grids.map((g) => valueAfter(g, '姓名'))).toEqual(['张三', '李四', '王五']);
    expect(doc.grids.map((g) => valueAfter(g, '身份证号码'))).toEqual([
      '110101197506011234',
      '11010119800115123X',
      '110101198001151234',
    ]);
  });

  it('reads content controls, tracked changes, tabs, breaks, gridBefore and nested tables', async () => {
    const W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"';
    const tc = (inner: string, pr = '') => `<w:tc><w:tcPr>${pr}</w:tcPr>${inner}</w:tc>`;
    const p = (inner: string) =>
      `<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>${inner}</w:p>`;
    const r = (text: string) => `<w:r><w:t xml:space="preserve">${text}</w:t></w:r>`;
    const xml = `<?xml version="1.0" encoding="UTF-8"?><w:document ${W}><w:body>
      ${p(`${r('领军')}${r('人才')}`)}
      <w:tbl>
        <w:tr>${tc(p(r('姓名')))}<w:sdt><w:sdtPr><w:alias w:val="姓名"/></w:sdtPr><w:sdtContent>${tc(p(r('赵六')))}</w:sdtContent></w:sdt></w:tr>
        <w:tr>${tc(p(r('性别')))}${tc(`<w:sdt><w:sdtPr><w:showingPlcHdr/></w:sdtPr><w:sdtContent>${p(r('单击此处输入文字'))}</w:sdtContent></w:sdt>`)}</w:tr>
        <w:tr>${tc(p(r('职务')))}${tc(p(`<w:del w:id="1" w:author="a"><w:r><w:delText>副总经理</w:delText></w:r></w:del><w:ins w:id="2" w:author="a">${r('总经理')}</w:ins>`))}</w:tr>
        <w:tr>${tc(p(r('地址')))}${tc(p(`${r('北京')}<w:r><w:tab/><w:t>海淀</w:t><w:br/><w:t>中关村</w:t></w:r>`))}</w:tr>
        <w:tr><w:trPr><w:gridBefore w:val="1"/></w:trPr>${tc(p(r('备注')))}</w:tr>
        <w:tr>${tc(p(r('外层')))}${tc(`<w:tbl><w:tr>${tc(p(r('手机号码')))}${tc(p(r('13800138000')))}</w:tr></w:tbl>${p(r('后记'))}`)}</w:tr>
      </w:tbl>
      ${p(`<w:r><w:t>结束</w:t></w:r>`)}
    </w:body></w:document>`;
    const docx = writeZip([
      {
        name: '[Content_Types].xml',
        data: Buffer.from(
          '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        ),
      },
      { name: 'word/document.xml', data: Buffer.from(xml) },
    ]);
    const doc = await readOne('x.docx', docx);
    expect(doc.grids.map((g) => g.name)).toEqual(['表格1', '表格2']);
    expect(cellsOf(doc.grids[0])).toEqual([
      ['姓名', '赵六'],
      ['性别', null],
      ['职务', '总经理'],
      ['地址', '北京\t海淀\n中关村'],
      [null, '备注'],
      ['外层', '后记'],
    ]);
    expect(cellsOf(doc.grids[1])).toEqual([['手机号码', '13800138000']]);
    expect(doc.text).toBe('领军人才\n结束');
  });

  it('resolves namespaces by their declarations, not by the prefix a writer chose', async () => {
    const W = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main';
    const MC = 'http://schemas.openxmlformats.org/markup-compatibility/2006';
    // Default namespace for WordprocessingML, a `w:` prefix bound elsewhere, alternate content under another
    // prefix, and a nested redeclaration that moves the default namespace away and back.
    const xml = `<?xml version="1.0" encoding="UTF-8"?><document xmlns="${W}" xmlns:w="urn:other" xmlns:m="${MC}"><body>
      <tbl><tr><tc><p><r><t>姓名</t></r></p></tc><tc><p><r><t>钱七</t></r><w:r><w:t>不读</w:t></w:r></p></tc></tr>
      <tr><tc><p><r><t>职务</t></r></p></tc><tc><p><m:AlternateContent><m:Choice><r><t>董事长</t></r></m:Choice><m:Fallback><r><t>旧</t></r></m:Fallback></m:AlternateContent></p></tc></tr></tbl>
      <p><r><t>一</t></r><x xmlns="urn:other"><t>不读</t><y xmlns="${W}"><t>二</t></y></x></p>
    </body></document>`;
    const contentTypes = {
      name: '[Content_Types].xml',
      data: Buffer.from(
        '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
      ),
    };
    const doc = await readOne(
      'ns.docx',
      writeZip([contentTypes, { name: 'word/document.xml', data: Buffer.from(xml) }]),
    );
    expect(cellsOf(doc.grids[0])).toEqual([
      ['姓名', '钱七'],
      ['职务', '董事长'],
    ]);
    expect(doc.text).toBe('一二');
    // An element prefix that nothing declares is not well-formed XML: the file is reported, not half read.
    const unbound = xml.replace('<tbl>', '<q:tbl>').replace('</tbl>', '</q:tbl>');
    const res = await readAttachment({
      filename: 'unbound.docx',
      content: writeZip([contentTypes, { name: 'word/document.xml', data: Buffer.from(unbound) }]),
    });
    expect(res.documents).toEqual([]);
    expect(res.unreadable).toHaveLength(1);
  });
});

describe('readAttachment: doc and wps (Word 97 files from the NetEase sample, converted by LibreOffice)', () => {
  it('reads a .doc into text and tab-separated grids', async () => {
    const doc = await readOne(
      '附件5：学员报名表-潘秀建.doc',
      readFileSync(join(FIXTURES, 'netease-form.doc')),
    );
    expect(doc.format).toBe('doc');
    expect(doc.text).toContain('领军人才培训学员报名表');
    const grid = doc.grids[0]!;
    expect(grid.fromDocument).toBe(true);
    expect(valueAfter(grid, '姓名')).toBe('潘秀建');
    expect(valueAfter(grid, '身份证号码')).toBe('370102196906034557');
    expect(valueAfter(grid, '上年度营业收入（万元）')).toBe('11256');
    expect(valueAfter(grid, '培训期次')).toBe('第3期');
  });

  it('names a .wps as wps and reads it the same way', async () => {
    const doc = await readOne(
      '附件5：学员报名表-赵强涛.wps',
      readFileSync(join(FIXTURES, 'netease-form.wps')),
    );
    expect(doc.format).toBe('wps');
    expect(valueAfter(doc.grids[0]!, '姓名')).toBe('赵强涛');
    expect(valueAfter(doc.grids[0]!, '企业类型')).toBe('创新型中小企业、专精特新中小企业');
  });
});

describe('readAttachment: zip', () => {
  it('decodes GBK entry names, skips junk and directories, and reads nested zips', async () => {
    const xls = buildXls([['姓名'], ['张三']]);
    const inner = writeZip([
      { name: gbk('附件5：学员报名表-李四.csv'), data: iconv.encode('姓名,李四\n', 'gbk') },
    ]);
    const zip = writeZip([
      { name: gbk('报名材料/'), data: new Uint8Array(0), method: 0 },
      { name: gbk('报名材料/附件4：广东省第5期报名汇总表.xls'), data: xls },
      { name: '__MACOSX/报名材料/._附件4.xls', data: new Uint8Array([0, 5, 22, 7]) },
      { name: gbk('报名材料/Thumbs.db'), data: new Uint8Array([1, 2, 3]) },
      { name: gbk('报名材料/第二批.zip'), data: inner },
      { name: '报名材料/附件5：学员报名表-王五.csv', data: Buffer.from('姓名,王五\n') },
      // macOS Archive Utility: UTF-8 name bytes without the UTF-8 flag.
      {
        name: new Uint8Array(Buffer.from('报名材料/附件5：学员报名表-赵六.csv', 'utf8')),
        data: Buffer.from('姓名,赵六\n'),
      },
    ]);
    const result = await readAttachment({ filename: '广东省第5期报名材料.zip', content: zip });
    expect(result.unreadable).toEqual([]);
    expect(result.documents.map((d) => [d.file, d.format])).toEqual([
      ['广东省第5期报名材料.zip/报名材料/附件4：广东省第5期报名汇总表.xls', 'xls'],
      ['广东省第5期报名材料.zip/报名材料/第二批.zip/附件5：学员报名表-李四.csv', 'csv'],
      ['广东省第5期报名材料.zip/报名材料/附件5：学员报名表-王五.csv', 'csv'],
      ['广东省第5期报名材料.zip/报名材料/附件5：学员报名表-赵六.csv', 'csv'],
    ]);
    expect(result.documents[0]!.grids[0]!.rows[1]!.cells).toEqual(['张三']);
    expect(result.documents[1]!.grids[0]!.rows[0]!.cells).toEqual(['姓名', '李四']);
  });
});

describe('readAttachment: speed', () => {
  it('reads a 100-row 附件4 and 100 附件5 documents', async () => {
    const rows: unknown[][] = [
      ['序号', '姓名', '性别', '民族', '出生年月', '身份证号码', '企业名称', '手机号码'],
    ];
    for (let i = 1; i <= 100; i++) {
      rows.push([
        i,
        `学员${i}`,
        '男',
        '汉族',
        '1975.06',
        `11010119750601${String(1000 + i)}`,
        `企业${i}`,
        '13800138000',
      ]);
    }
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('汇总表').addRows(rows);
    const xlsx = new Uint8Array(await wb.xlsx.writeBuffer());
    const docx = await buildDocx([['张三', '110101197506011234']]);
    await readAttachment({ filename: 'warm.xlsx', content: xlsx });
    await readAttachment({ filename: 'warm.docx', content: docx });

    let t = performance.now();
    const sheet = await readOne('附件4.xlsx', xlsx);
    const xlsxMs = performance.now() - t;
    t = performance.now();
    const docs = [];
    for (let i = 0; i < 100; i++) docs.push(await readOne(`附件5-${i}.docx`, docx));
    const docxMs = performance.now() - t;
    console.log(`reader speed: 100-row xlsx ${xlsxMs.toFixed(1)} ms; 100 docx forms ${docxMs.toFixed(1)} ms`);
    // Speed is the bench's xlsx and intake stages (ratios to a floor); here, that the work was all done.
    expect(sheet.grids[0]!.rows).toHaveLength(101);
    expect(sheet.grids[0]!.rows[100]!.cells).toContain('13800138000');
    expect(
      docs.filter((d) => d.grids.some((g) => g.rows.some((r) => r.cells.includes('张三')))),
    ).toHaveLength(100);
  });
});
