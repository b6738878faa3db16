/**
 * A Word 97 binary document (.doc, and the .wps WPS Writer saves in the same format) holding paragraphs and
 * tables, written byte by byte for tests: LibreOffice is not on every machine that runs them. It carries
 * what a reader of the text needs and Word writes ([MS-DOC]): a FIB, the text as one Unicode piece, the
 * piece table (Clx) in the 1Table stream, and paragraph properties (PAPX FKPs) that mark each table row's
 * end mark as a table-terminating paragraph (sprmPFTtp). No formatting, styles or fonts.
 */
import * as XLSX from '@e965/xlsx';

const CELL = '\x07';
const PAGE = 512;
const FIB_SIZE = 1024;
// PAPX in an FKP: istd 0 only (cb = 0, cb' = 1), and istd 0 with sprmPFTtp = 1 (cb = 3: 2 * 3 - 1 bytes).
const PLAIN_PAPX_AT = 480;
const TTP_PAPX_AT = 490;
const RUNS_PER_FKP = 20;

/** A paragraph of text, or a table given as rows of cell texts. */
export type Word97Block = string | string[][];

interface Run {
  from: number;
  to: number;
  ttp: boolean;
}

function fkp(runs: Run[]): Buffer {
  const page = Buffer.alloc(PAGE);
  runs.forEach((r, j) => {
    page.writeUInt32LE(r.from, j * 4);
    page.writeUInt32LE(r.to, (j + 1) * 4);
    page.writeUInt8((r.ttp ? TTP_PAPX_AT : PLAIN_PAPX_AT) / 2, (runs.length + 1) * 4 + j * 13);
  });
  Buffer.from([0x00, 0x01, 0x00, 0x00]).copy(page, PLAIN_PAPX_AT);
  Buffer.from([0x03, 0x00, 0x00, 0x17, 0x24, 0x01]).copy(page, TTP_PAPX_AT);
  page.writeUInt8(runs.length, 511);
  return page;
}

/** Writes the blocks as a Word 97 binary document. */
export function writeWord97(blocks: Word97Block[]): Uint8Array {
  // Text with its paragraph runs: a table row's end mark is a paragraph (run) of its own.
  let text = '';
  const runs: Run[] = [];
  let runStart = 0;
  const fc = (cp: number) => FIB_SIZE + cp * 2;
  for (const block of blocks) {
    if (typeof block === 'string') {
      text += `${block}\r`;
      continue;
    }
    for (const row of block) {
      text += row.map((c) => `${c.replace(/\n/g, '\x0b')}${CELL}`).join('');
      if (text.length > runStart) runs.push({ from: fc(runStart), to: fc(text.length), ttp: false });
      runs.push({ from: fc(text.length), to: fc(text.length + 1), ttp: true });
      text += CELL;
      runStart = text.length;
    }
  }
  text += '\r';
  runs.push({ from: fc(runStart), to: fc(text.length), ttp: false });

  const body = Buffer.from(text, 'utf16le');
  const firstPage = Math.ceil((FIB_SIZE + body.length) / PAGE);
  const pages: Buffer[] = [];
  for (let i = 0; i < runs.length; i += RUNS_PER_FKP) pages.push(fkp(runs.slice(i, i + RUNS_PER_FKP)));

  const fib = Buffer.alloc(FIB_SIZE);
  fib.writeUInt16LE(0xa5ec, 0x00); // wIdent
  fib.writeUInt16LE(0x00c1, 0x02); // nFib: Word 97
  fib.writeUInt16LE(0x0200, 0x0a); // fWhichTblStm: the 1Table stream
  fib.writeUInt32LE(FIB_SIZE, 0x18); // fcMin
  fib.writeUInt32LE(FIB_SIZE + body.length, 0x1c); // fcMac
  fib.writeUInt32LE(text.length, 0x4c); // ccpText

  // 1Table: the Clx (one piece: all text, Unicode, at FIB_SIZE), then the PlcBtePapx.
  const plcPcd = Buffer.alloc(4 * 2 + 8);
  plcPcd.writeUInt32LE(0, 0);
  plcPcd.writeUInt32LE(text.length, 4);
  plcPcd.writeUInt32LE(FIB_SIZE, 8 + 2);
  const clx = Buffer.concat([Buffer.from([0x02]), Buffer.alloc(4), plcPcd]);
  clx.writeUInt32LE(plcPcd.length, 1);
  const bte = Buffer.alloc((pages.length + 1) * 4 + pages.length * 4);
  pages.forEach((_, i) => {
    const group = runs.slice(i * RUNS_PER_FKP, (i + 1) * RUNS_PER_FKP);
    bte.writeUInt32LE(group[0]!.from, i * 4);
    bte.writeUInt32LE(firstPage + i, (pages.length + 1) * 4 + i * 4);
  });
  bte.writeUInt32LE(fc(text.length), pages.length * 4);
  fib.writeUInt32LE(clx.length, 0x0102); // fcPlcfBtePapx
  fib.writeUInt32LE(bte.length, 0x0106); // lcbPlcfBtePapx
  fib.writeUInt32LE(0, 0x01a2); // fcClx
  fib.writeUInt32LE(clx.length, 0x01a6); // lcbClx

  const padding = Buffer.alloc(firstPage * PAGE - FIB_SIZE - body.length);
  const word = Buffer.concat([fib, body, padding, ...pages]);
  const cfb = XLSX.CFB.utils.cfb_new();
  XLSX.CFB.utils.cfb_add(cfb, 'WordDocument', word);
  XLSX.CFB.utils.cfb_add(cfb, '1Table', Buffer.concat([clx, bte]));
  return new Uint8Array(XLSX.CFB.write(cfb, { type: 'buffer' }) as Buffer);
}
