/**
 * Names as their owners write them, end to end through `lingjun ingest` against the local stack: names with
 * characters of CJK extensions A-G, sent as an openpyxl-style 附件4 (numeric character references), an
 * Excel-style UTF-8 one, an .xls, a GB18030 CSV and a .doc 附件5, are accepted and come out exactly in the
 * receipt, its annotated workbook, the roster (whose cells name a font for them) and the certificates'
 * document.xml (whose runs name SimSun-ExtB/ExtG for them); a 附件4/附件5 pair that
 * differs only in the middle dot of a name is accepted without FORM_MISMATCH.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as XLSX from '@e965/xlsx';
import type { Outcome } from '@lingjun/intake';
import { fillForm4, fillForm5Docx, type Person } from '@lingjun/testing';
import ExcelJS from 'exceljs';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import iconv from 'iconv-lite';
import { simpleParser } from 'mailparser';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCfb, cfbStreams } from '../../packages/forms/test/fixtures/build.ts';
import { runCli } from '../support/cli.ts';
import { buildEmail } from '../support/email.ts';
import { type Harness, harness, testProgram } from '../support/intake.ts';
import { people } from '../support/submission.ts';

const IN_TIME = '2025-06-05T10:00:00+08:00';

/** Every character above ASCII as a decimal reference, as an XML writer with an ASCII encoding stores it. */
function openpyxlStyle(xlsx: Uint8Array): Uint8Array {
  const parts = unzipSync(xlsx);
  for (const [name, data] of Object.entries(parts)) {
    if (!name.endsWith('.xml')) continue;
    let out = '';
    for (const ch of strFromU8(data)) out += ch.codePointAt(0)! < 0x80 ? ch : `&#${ch.codePointAt(0)};`;
    parts[name] = strToU8(out);
  }
  return zipSync(parts);
}

function asXls(xlsx: Uint8Array): Uint8Array {
  const wb = XLSX.read(xlsx, { type: 'array' });
  return new Uint8Array(XLSX.write(wb, { type: 'buffer', bookType: 'biff8' }) as Buffer);
}

function asGb18030Csv(xlsx: Uint8Array): Uint8Array {
  const wb = XLSX.read(xlsx, { type: 'array' });
  return new Uint8Array(iconv.encode(XLSX.utils.sheet_to_csv(wb.Sheets[wb.SheetNames[0]!]!), 'gb18030'));
}

interface Case {
  label: string;
  from: string;
  regionCode: string;
  names: string[];
  file: string;
  form4: (xlsx: Uint8Array) => Uint8Array;
}

const CASES: Case[] = [
  {
    label: 'openpyxl-style references',
    from: 'hbzxqy@163.com',
    regionCode: '130000',
    names: ['王𠮷', '张𪚥林'],
    file: '附件4-第1期.xlsx',
    form4: openpyxlStyle,
  },
  {
    label: 'Excel-style UTF-8',
    from: 'sxzxqy@163.com',
    regionCode: '140000',
    names: ['李𪜀', '赵𫝀'],
    file: '附件4-第1期.xlsx',
    form4: (x) => x,
  },
  {
    label: '.xls',
    from: 'lnzxqy@ln.gov.cn',
    regionCode: '210000',
    names: ['陈𬱖', '刘𬺰'],
    file: '附件4-第1期.xls',
    form4: asXls,
  },
  {
    label: 'GB18030 CSV',
    from: 'jszxqy@js.gov.cn',
    regionCode: '320000',
    names: ['孙𰻝𰻝', '龚䶮'],
    file: '附件4-第1期.csv',
    form4: asGb18030Csv,
  },
];

let program: Awaited<ReturnType<typeof testProgram>>;
let h: Harness;
const outcomes = new Map<string, Outcome>();
const replies = new Map<string, Awaited<ReturnType<typeof simpleParser>>>();
const accepted: string[] = [];
/** Class 1's students as sent: name and ID, for the sign-in sheet. */
const class1: { name: string; id: string }[] = [];

async function send(key: string, from: string, attachments: { filename: string; content: Uint8Array }[]) {
  const { raw, messageId } = await buildEmail({ from, attachments });
  const [outcome] = await h.ingest([raw], { receivedAt: IN_TIME });
  outcomes.set(key, outcome!);
  const [reply] = await h.repliesTo(messageId);
  if (reply) replies.set(key, await simpleParser(reply));
}

beforeAll(async () => {
  program = await testProgram();
  h = await harness(program);
  for (const [i, c] of CASES.entries()) {
    const list: Person[] = people(c.names.length, 900 + i, c.regionCode).map((p, k) => ({
      ...p,
      name: c.names[k]!,
    }));
    // A warning (企业类型 其他) names the first student in the receipt and its annotated workbook.
    list[0] = { ...list[0]!, enterpriseType: '其他' };
    const xlsx = await fillForm4(list, c.regionCode, 1, { program });
    const form5s = await Promise.all(
      list.map(async (p, k) => ({
        filename: `附件5-${k + 1}.docx`,
        content: await fillForm5Docx(p, { program }),
      })),
    );
    await send(c.label, c.from, [{ filename: c.file, content: c.form4(xlsx) }, ...form5s]);
    accepted.push(...c.names);
    class1.push(...list.map((p) => ({ name: p.name, id: p.idNumber })));
  }

  // A .doc 附件5 (LibreOffice-converted fixture of seed 41, its name's two UTF-16 units swapped in place for
  // the surrogate pair of 𪚥) with the 附件4 that lists the same person.
  const doc = await readFile(new URL('../../packages/forms/test/fixtures/form5-seed41.doc', import.meta.url));
  const streams = cfbStreams(new Uint8Array(doc));
  const word = Buffer.from(streams['WordDocument']!);
  Buffer.from('𪚥', 'utf16le').copy(word, word.indexOf(Buffer.from('苏国', 'utf16le')));
  const person = { ...people(1, 41, '370000', 3)[0]!, name: '𪚥' };
  await send('.doc', 'sdzxqyj@sd.gov.cn', [
    { filename: '附件4-第3期.xlsx', content: await fillForm4([person], '370000', 3, { program }) },
    {
      filename: '附件5-学员报名表.doc',
      content: buildCfb({ ...streams, WordDocument: new Uint8Array(word) }),
    },
  ]);
  accepted.push('𪚥');

  // Middle dots: the 附件4 as the region typed it, the 附件5 with the dot another input method gives.
  const dotted = people(2, 950, '340000').map((p, k) => ({
    ...p,
    name: ['买买提·艾力', '阿依古丽·吐尔逊'][k]!,
  }));
  const form5Names = ['买买提・艾力', '阿依古丽．吐尔逊'];
  await send('dots', 'ahzxqy@qq.com', [
    { filename: '附件4-第1期.xlsx', content: await fillForm4(dotted, '340000', 1, { program }) },
    ...(await Promise.all(
      dotted.map(async (p, k) => ({
        filename: `附件5-${k + 1}.docx`,
        content: await fillForm5Docx({ ...p, name: form5Names[k]! }, { program }),
      })),
    )),
  ]);
  accepted.push('买买提·艾力', '阿依古丽·吐尔逊');
  class1.push(...dotted.map((p) => ({ name: p.name, id: p.idNumber })));
}, 240_000);

describe('names with extension A-G characters, in every format', () => {
  it.each(CASES.map((c) => [c.label, c] as const))('%s: every student is accepted', (_l, c) => {
    const o = outcomes.get(c.label)!;
    expect(o.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(o.status).toBe('accepted');
    expect(o.classes).toEqual([{ no: 1, accepted: c.names.length, rejected: 0, withdrawn: 0 }]);
    // The outcome names the student of the warning exactly as written.
    expect(o.findings.find((f) => f.code === 'TYPE_OTHER_ONLY')?.student).toBe(c.names[0]);
  });

  it.each(CASES.map((c) => [c.label, c] as const))(
    '%s: the receipt and its annotated workbook quote the names exactly',
    async (_l, c) => {
      const mail = replies.get(c.label)!;
      expect(mail.text).toContain(c.names[0]);
      expect(mail.html).toContain(c.names[0]);
      const xlsx = mail.attachments.find((a) => a.filename?.endsWith('.xlsx'));
      expect(xlsx).toBeDefined();
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(xlsx!.content as unknown as ArrayBuffer);
      const texts: string[] = [];
      wb.worksheets[0]!.eachRow((row) =>
        row.eachCell((cell) => {
          if (cell.type !== ExcelJS.ValueType.Merge) texts.push(cell.text);
        }),
      );
      for (const name of c.names) expect(texts).toContain(name);
    },
  );

  it('a .doc 附件5 with an extension-B name joins its 附件4 row', () => {
    const o = outcomes.get('.doc')!;
    expect(o.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(o.classes).toEqual([{ no: 3, accepted: 1, rejected: 0, withdrawn: 0 }]);
  });
});

describe('a name whose middle dot differs between 附件4 and 附件5', () => {
  it('is accepted without FORM_MISMATCH, under the name the 附件4 gives', () => {
    const o = outcomes.get('dots')!;
    expect(o.findings.map((f) => f.code)).not.toContain('FORM_MISMATCH');
    expect(o.findings.map((f) => f.code)).not.toContain('FORM_MISSING');
    expect(o.status).toBe('accepted');
    expect(o.classes).toEqual([{ no: 1, accepted: 2, rejected: 0, withdrawn: 0 }]);
  });
});

describe('the roster', () => {
  it('lists every accepted name exactly, and names a fallback font for extension B-G characters', async () => {
    const out = join(h.stateDir, 'roster.xlsx');
    const res = await h.cli(['roster', '--out', out]);
    expect(res.code, res.stdout).toBe(0);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await readFile(out)) as unknown as ArrayBuffer);
    const year = wb.getWorksheet('全年')!;
    const cells: ExcelJS.Cell[] = [];
    for (let r = 3; r <= year.rowCount; r++) cells.push(year.getCell(r, 3));
    expect(cells.map((c) => c.text).sort()).toEqual([...accepted].sort());
    const ji = cells.find((c) => c.text === '王𠮷')!;
    const runs = (ji.value as ExcelJS.CellRichTextValue).richText;
    expect(runs.map((r) => [r.text, r.font?.name])).toEqual([
      ['王', '宋体'],
      ['𠮷', 'SimSun-ExtB'],
    ]);
    const g = cells.find((c) => c.text === '孙𰻝𰻝')!;
    expect((g.value as ExcelJS.CellRichTextValue).richText[1]).toMatchObject({
      text: '𰻝𰻝',
      font: { name: 'SimSun-ExtG' },
    });
    // A name needing no fallback stays a plain string cell.
    expect(cells.find((c) => c.text === '买买提·艾力')!.value).toBe('买买提·艾力');
  });
});

describe('the certificates', () => {
  it('carry every class-1 name exactly in document.xml, extension characters in SimSun-ExtB/ExtG runs', async () => {
    // Class 1 runs 2025-06-24 to 06-27: a sign-in sheet with every half-day attended.
    const halfDays = ['24', '25', '26', '27'].flatMap((d) => [`6月${d}日上午`, `6月${d}日下午`]);
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('签到表');
    ws.addRow(['第1期签到表']);
    ws.addRow(['序号', '姓名', '身份证号码', ...halfDays]);
    class1.forEach((s, i) => {
      ws.addRow([i + 1, s.name, s.id, ...halfDays.map(() => '√')]);
    });
    const dir = await mkdtemp(join(tmpdir(), 'lingjun-rare-'));
    const sheet = join(dir, '签到表.xlsx');
    await writeFile(sheet, new Uint8Array(await wb.xlsx.writeBuffer()));
    // `attendance import` takes its subcommand before the options the harness adds.
    const imported = await runCli([
      'attendance',
      'import',
      sheet,
      '--class',
      '1',
      '--program',
      h.programFile,
      '--state',
      h.stateDir,
      '--json',
    ]);
    expect(imported.code, imported.out).toBe(0);
    expect(imported.out).toContain(`"matched":${class1.length}`);

    const out = join(dir, 'certs');
    const res = await h.cli(['certificates', '--class', '1', '--now', '2025-06-28T02:00:00Z', '--out', out]);
    expect(res.code, res.stdout).toBe(0);
    const certs = res.json as unknown as { student: string; file: string }[];
    expect(certs.map((c) => c.student).sort()).toEqual(class1.map((s) => s.name).sort());
    for (const c of certs) {
      const xml = strFromU8(unzipSync(await readFile(c.file))['word/document.xml']!);
      const runs = [...xml.matchAll(/<w:r>(.*?)<\/w:r>/gs)].map((m) => ({
        props: /<w:rPr>(.*?)<\/w:rPr>/s.exec(m[1]!)?.[1] ?? '',
        text: /<w:t(?: [^>]*)?>([^<]*)<\/w:t>/.exec(m[1]!)?.[1] ?? '',
      }));
      expect(runs.map((r) => r.text).join('')).toContain(`${c.student} 同志`);
      for (const r of runs) {
        for (const ch of r.text) {
          const cp = ch.codePointAt(0)!;
          if (cp < 0x20000) continue;
          expect(r.props, `${c.student}: ${ch}`).toContain(
            `w:eastAsia="${cp <= 0x2a6df ? 'SimSun-ExtB' : 'SimSun-ExtG'}"`,
          );
        }
      }
    }
  });
});
