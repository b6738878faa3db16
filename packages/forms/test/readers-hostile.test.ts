import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Document, Packer, Paragraph } from 'docx';
import ExcelJS from 'exceljs';
import { unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { MAX_ENTRIES, MAX_ROWS, MAX_ZIP_DEPTH, readAttachment, UNREADABLE_REASONS } from '../src/index.ts';
import { buildCfb, buildXls, buildXlsxFast, cfbStreams, writeZip } from './fixtures/build.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures');

async function reasonFor(filename: string, content: Uint8Array): Promise<string | undefined> {
  const result = await readAttachment({ filename, content });
  expect(result.documents).toEqual([]);
  expect(result.unreadable).toHaveLength(1);
  expect(result.unreadable[0]!.file).toBe(filename);
  return result.unreadable[0]!.reason;
}

async function smallXlsx(): Promise<Uint8Array> {
  const wb = new ExcelJS.Workbook();
  wb.addWorksheet('汇总表').addRows([
    ['姓名', '性别'],
    ['张三', '男'],
  ]);
  return new Uint8Array(await wb.xlsx.writeBuffer());
}

describe('readAttachment: damaged and protected files', () => {
  it('refuses a truncated xlsx as damaged', async () => {
    const xlsx = await smallXlsx();
    expect(await reasonFor('附件4.xlsx', xlsx.subarray(0, Math.floor(xlsx.length / 2)))).toBe(
      UNREADABLE_REASONS.corrupt,
    );
  });

  it('refuses a truncated doc and garbage named .docx as damaged', async () => {
    const doc = readFileSync(join(FIXTURES, 'netease-form.doc'));
    expect(await reasonFor('附件5.doc', doc.subarray(0, 3000))).toBe(UNREADABLE_REASONS.corrupt);
    const garbage = new Uint8Array(2048).map((_, i) => (i * 7919) % 251);
    expect(await reasonFor('附件5.docx', garbage)).toBe(UNREADABLE_REASONS.corrupt);
  });

  it('refuses a password-protected xlsx/docx (OLE container with EncryptionInfo)', async () => {
    const cfb = buildCfb({
      EncryptionInfo: new Uint8Array(64).fill(4),
      EncryptedPackage: new Uint8Array(512),
    });
    expect(await reasonFor('附件4.xlsx', cfb)).toBe(UNREADABLE_REASONS.encrypted);
    expect(await reasonFor('附件5.docx', cfb)).toBe(UNREADABLE_REASONS.encrypted);
  });

  it('refuses an encrypted xls (FilePass record)', async () => {
    const streams = cfbStreams(buildXls([['姓名'], ['张三']]));
    const wb = streams['Workbook']!;
    const bofLen = 4 + (wb[2]! | (wb[3]! << 8));
    // FilePass (0x002F) right after the globals BOF, as Excel writes it: XOR obfuscation, 4 bytes of key data.
    const filePass = new Uint8Array([0x2f, 0x00, 0x06, 0x00, 0x00, 0x00, 0x12, 0x34, 0x56, 0x78]);
    const patched = new Uint8Array([...wb.subarray(0, bofLen), ...filePass, ...wb.subarray(bofLen)]);
    expect(await reasonFor('附件4.xls', buildCfb({ ...streams, Workbook: patched }))).toBe(
      UNREADABLE_REASONS.encrypted,
    );
  });

  it('refuses an encrypted doc (fEncrypted in the FIB)', async () => {
    const streams = cfbStreams(readFileSync(join(FIXTURES, 'netease-form.doc')));
    const word = Uint8Array.from(streams['WordDocument']!);
    word[0x0b] = word[0x0b]! | 0x01;
    expect(await reasonFor('附件5.doc', buildCfb({ ...streams, WordDocument: word }))).toBe(
      UNREADABLE_REASONS.encrypted,
    );
  });
});

describe('readAttachment: macros', () => {
  it('refuses an xlsm (vbaProject.bin)', async () => {
    const parts = unzipSync(await smallXlsx());
    parts['xl/vbaProject.bin'] = new Uint8Array([0xd0, 0xcf, 0x11, 0xe0]);
    expect(await reasonFor('附件4.xlsm', zipSync(parts))).toBe(UNREADABLE_REASONS.macro);
  });

  it('refuses a docm (macro-enabled content type) even when named .docx', async () => {
    const parts = unzipSync(
      new Uint8Array(await Packer.toBuffer(new Document({ sections: [{ children: [new Paragraph('x')] }] }))),
    );
    const types = new TextDecoder().decode(parts['[Content_Types].xml']);
    parts['[Content_Types].xml'] = new TextEncoder().encode(
      types.replace('wordprocessingml.document.main+xml', 'ms-word.document.macroEnabled.main+xml'),
    );
    expect(await reasonFor('附件5.docx', zipSync(parts))).toBe(UNREADABLE_REASONS.macro);
  });

  it('refuses an xls with a VBA project and a doc with Macros storage', async () => {
    const xls = cfbStreams(buildXls([['姓名']]));
    expect(
      await reasonFor('附件4.xls', buildCfb({ ...xls, '_VBA_PROJECT_CUR/VBA/dir': new Uint8Array(8) })),
    ).toBe(UNREADABLE_REASONS.macro);
    const doc = cfbStreams(readFileSync(join(FIXTURES, 'netease-form.doc')));
    expect(await reasonFor('附件5.doc', buildCfb({ ...doc, 'Macros/VBA/dir': new Uint8Array(8) }))).toBe(
      UNREADABLE_REASONS.macro,
    );
  });
});

describe('readAttachment: zip bombs and unsafe archives', () => {
  const csv = new TextEncoder().encode('姓名,张三\n');

  it('refuses an archive whose declared size exceeds MAX_TOTAL_UNCOMPRESSED without inflating it', async () => {
    const zip = writeZip([{ name: 'a.csv', data: csv, method: 0 }]);
    // Declare 3 GiB in the central directory (offset 24 of the record after the 30+5+len local part).
    const view = new DataView(zip.buffer);
    const central = 30 + 5 + csv.length;
    view.setUint32(central + 24, 3 * 1024 ** 3, true);
    view.setUint32(central + 20, 3 * 1024 ** 3, true);
    const reason = await reasonFor('bomb.zip', zip);
    // Either check may fire first; both are the refusal the sender needs.
    expect([UNREADABLE_REASONS.tooLarge, UNREADABLE_REASONS.corrupt]).toContain(reason);
  });

  it('refuses a high-ratio entry (deflate bomb) by its declared sizes', async () => {
    const zip = writeZip([{ name: 'zeros.csv', data: new Uint8Array(20 * 1024 * 1024) }]);
    expect(zip.length).toBeLessThan(100_000);
    expect(await reasonFor('bomb.zip', zip)).toBe(UNREADABLE_REASONS.ratio);
  });

  it('stops inflating an entry that lies about its size', async () => {
    const zip = writeZip([{ name: 'zeros.csv', data: new Uint8Array(20 * 1024 * 1024), declaredSize: 1000 }]);
    const result = await readAttachment({ filename: 'liar.zip', content: zip });
    expect(result.documents).toEqual([]);
    expect(result.unreadable).toEqual([{ file: 'liar.zip/zeros.csv', reason: UNREADABLE_REASONS.tooLarge }]);
  });

  it('counts inflated bytes across nested archives against one budget', async () => {
    const inner = writeZip([{ name: 'b.csv', data: new TextEncoder().encode('x,'.repeat(300_000)) }]);
    const zip = writeZip([
      { name: 'a.zip', data: inner },
      { name: 'c.csv', data: csv },
    ]);
    const result = await readAttachment(
      { filename: 'n.zip', content: zip },
      { maxTotalUncompressed: 500_000 },
    );
    expect(result.unreadable.map((u) => u.reason)).toContain(UNREADABLE_REASONS.tooLarge);
  });

  it('refuses overlapping entries (entries sharing one compressed body)', async () => {
    const zip = writeZip([{ name: 'a.csv', data: csv }]);
    const cdStart = zip.length - 22 - (46 + 5);
    const record = zip.subarray(cdStart, zip.length - 22);
    const end = Uint8Array.from(zip.subarray(zip.length - 22));
    const endView = new DataView(end.buffer);
    endView.setUint16(8, 2, true);
    endView.setUint16(10, 2, true);
    endView.setUint32(12, record.length * 2, true);
    const bomb = new Uint8Array([...zip.subarray(0, zip.length - 22), ...record, ...end]);
    expect(await reasonFor('overlap.zip', bomb)).toBe(UNREADABLE_REASONS.ratio);
  });

  it(`refuses more than MAX_ENTRIES (${MAX_ENTRIES}) entries`, async () => {
    const entries = Array.from({ length: MAX_ENTRIES + 1 }, (_, i) => ({
      name: `f${i}.csv`,
      data: csv,
      method: 0 as const,
    }));
    expect(await reasonFor('many.zip', writeZip(entries))).toBe(
      UNREADABLE_REASONS.tooManyEntries(MAX_ENTRIES),
    );
  });

  it(`refuses zips nested deeper than MAX_ZIP_DEPTH (${MAX_ZIP_DEPTH})`, async () => {
    const level3 = writeZip([{ name: 'deep.csv', data: csv }]);
    const level2 = writeZip([{ name: 'l3.zip', data: level3 }]);
    const level1 = writeZip([{ name: 'l2.zip', data: level2 }]);
    const result = await readAttachment({ filename: 'l1.zip', content: level1 });
    expect(result.documents).toEqual([]);
    expect(result.unreadable).toEqual([
      { file: 'l1.zip/l2.zip/l3.zip', reason: UNREADABLE_REASONS.tooDeep(MAX_ZIP_DEPTH) },
    ]);
  });

  it('rejects entries with .. or absolute paths and still reads the others', async () => {
    const zip = writeZip([
      { name: '../../etc/附件4.csv', data: csv },
      { name: '/abs/附件4.csv', data: csv },
      { name: 'C:/win/附件4.csv', data: csv },
      { name: 'ok/附件4.csv', data: csv },
    ]);
    const result = await readAttachment({ filename: 'p.zip', content: zip });
    expect(result.documents.map((d) => d.file)).toEqual(['p.zip/ok/附件4.csv']);
    expect(result.unreadable).toEqual([
      { file: 'p.zip/../../etc/附件4.csv', reason: UNREADABLE_REASONS.unsafePath('../../etc/附件4.csv') },
      { file: 'p.zip//abs/附件4.csv', reason: UNREADABLE_REASONS.unsafePath('/abs/附件4.csv') },
      { file: 'p.zip/C:/win/附件4.csv', reason: UNREADABLE_REASONS.unsafePath('C:/win/附件4.csv') },
    ]);
  });

  it('reports an archive holding only folders and junk', async () => {
    const zip = writeZip([
      { name: '报名材料/', data: new Uint8Array(0), method: 0 },
      { name: '__MACOSX/._a.xlsx', data: csv },
    ]);
    expect(await reasonFor('empty.zip', zip)).toBe(UNREADABLE_REASONS.emptyZip);
  });

  it('refuses a password-protected zip entry', async () => {
    const zip = writeZip([{ name: 'a.csv', data: csv, flags: 1 }]);
    expect((await readAttachment({ filename: 'e.zip', content: zip })).unreadable).toEqual([
      { file: 'e.zip/a.csv', reason: UNREADABLE_REASONS.zipEncrypted },
    ]);
  });

  it('refuses an xlsx whose shared strings lie about their size, though SheetJS would read on without them', async () => {
    const parts = unzipSync(await smallXlsx());
    const entries = Object.entries(parts).map(([name, data]) =>
      name === 'xl/sharedStrings.xml' ? { name, data, declaredSize: 10 } : { name, data },
    );
    expect(await reasonFor('附件4.xlsx', writeZip(entries))).toBe(UNREADABLE_REASONS.tooLarge);
  });
});

describe('readAttachment: very long sheets', () => {
  // Time is the bench's xlsx stage (fixture form4-million-empty-rows); here, that the rows are read right.
  it('reads the data of a sheet with a million empty styled rows', async () => {
    const parts = unzipSync(await smallXlsx());
    const path = Object.keys(parts).find((p) => /^xl\/worksheets\/sheet\d+\.xml$/.test(p))!;
    const xml = new TextDecoder().decode(parts[path]);
    const empty: string[] = [];
    for (let r = 3; r <= 1_048_576; r++) empty.push(`<row r="${r}" s="1" customFormat="1" ht="15"/>`);
    parts[path] = new TextEncoder().encode(xml.replace('</sheetData>', `${empty.join('')}</sheetData>`));
    const xlsx = zipSync(parts, { level: 6 });
    const t = performance.now();
    const result = await readAttachment({ filename: '附件4.xlsx', content: xlsx });
    const ms = performance.now() - t;
    console.log(
      `million empty styled rows: ${ms.toFixed(0)} ms, ${(xlsx.length / 1024).toFixed(0)} KiB file`,
    );
    expect(result.unreadable).toEqual([]);
    expect(result.documents[0]!.grids[0]!.rows.map((r) => r.cells)).toEqual([
      ['姓名', '性别'],
      ['张三', '男'],
    ]);
  });

  it(`reads 5000 rows, and refuses content beyond MAX_ROWS (${MAX_ROWS})`, async () => {
    const rows = (n: number) => Array.from({ length: n }, (_, i) => [i + 1, `学员${i + 1}`, '男']);
    const ok = await readAttachment({ filename: 'a.xlsx', content: buildXlsxFast(rows(5000), '汇总表') });
    expect(ok.unreadable).toEqual([]);
    const grid = ok.documents[0]!.grids[0]!;
    expect(grid.rows).toHaveLength(5000);
    expect(grid.rows[4999]).toEqual({
      row: 5000,
      cells: [5000, '学员5000', '男'],
      formats: ['General', undefined, undefined],
    });
    expect(await reasonFor('b.xlsx', buildXlsxFast(rows(MAX_ROWS + 1), '汇总表'))).toBe(
      UNREADABLE_REASONS.tooManyRows('汇总表', MAX_ROWS),
    );
  });
});

describe('readAttachment: unsupported types', () => {
  it('refuses PDF, images and RAR with the type named', async () => {
    const pdf = new TextEncoder().encode('%PDF-1.7\n%\xe2\xe3\n1 0 obj\n');
    expect(await reasonFor('附件5.pdf', pdf)).toBe(UNREADABLE_REASONS.unsupported('PDF'));
    expect(await reasonFor('照片.jpg', new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16]))).toBe(
      UNREADABLE_REASONS.unsupported('图片'),
    );
    expect(await reasonFor('a.rar', new TextEncoder().encode('Rar!\x1a\x07\x00'))).toContain('RAR');
    expect(UNREADABLE_REASONS.unsupported('PDF')).toContain('请使用 Excel 或 Word 格式');
  });

  it('refuses an empty file and an HTML page named .xls', async () => {
    expect(await reasonFor('a.xlsx', new Uint8Array(0))).toBe(UNREADABLE_REASONS.emptyText);
    const html = new TextEncoder().encode('<html><body><table><tr><td>姓名</td></tr></table></body></html>');
    expect(await reasonFor('a.xls', html)).toBe(UNREADABLE_REASONS.unsupported('网页或 XML'));
  });
});
