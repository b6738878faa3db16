/**
 * Acceptance for issue 6: a class season on the local stack, through the real intake, the command line and
 * the verify function. Registrations come from `lingjun ingest`; attendance from `lingjun attendance import`.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { courseRegistry, verificationTable } from '@lingjun/aws';
import { handleVerifyRequest } from '@lingjun/certificates';
import { parseStrictHtml } from '@lingjun/mail/testing';
import type { Person } from '@lingjun/testing';
import ExcelJS from 'exceljs';
import { strFromU8, unzipSync } from 'fflate';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliRun, runCli } from '../support/cli.ts';
import { type Harness, harness, testProgram } from '../support/intake.ts';
import { people, submission } from '../support/submission.ts';

/** A sent mail, parsed; its HTML must be well-formed (a strict parser accepts it, issue 15). */
async function strictParsed(raw: Buffer) {
  const mail = await simpleParser(raw);
  if (mail.html) parseStrictHtml(mail.html);
  return mail;
}

const IN_TIME = '2025-06-05T02:00:00Z';
/** 20:00 Beijing time on class 1's last day: its last half-day is over, so the evening run issues (issue 15). */
const AFTER_CLASS_1 = '2025-06-27T20:00:00+08:00';
const LAST_AFTERNOON = '2025-06-27T15:00:00+08:00';
/** Class 1 of the example program runs 2025-06-24 to 06-27: eight half-days. */
const HALF_DAYS = ['24', '25', '26', '27'].flatMap((d) => [`6月${d}日上午`, `6月${d}日下午`]);

/** Runs the command line in-process against the harness's table. */
function cli(h: Harness, args: string[]): Promise<CliRun> {
  return runCli([...args, '--program', h.programFile, '--state', h.stateDir]);
}

/** JSON lines of a command's output, without log lines. */
const jsonLines = <T>(out: string): T[] =>
  out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as T & { level?: string })
    .filter((o) => o.level === undefined);

type SheetRow = { name: string; id: string; marks: string[] };

/** A sign-in sheet as an organiser would make it: title, 序号/姓名/身份证号码, one column per half-day. */
async function signInSheet(columns: string[], rows: SheetRow[]): Promise<string> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('签到表');
  ws.addRow(['2025年度中小企业经营管理领军人才培训第1期签到表']);
  ws.addRow(['序号', '姓名', '身份证号码', ...columns]);
  rows.forEach((r, i) => {
    ws.addRow([i + 1, r.name, r.id, ...r.marks]);
  });
  const file = join(
    await mkdtemp(join(tmpdir(), 'lingjun-sheet-')),
    `签到表-${randomUUID().slice(0, 6)}.xlsx`,
  );
  await writeFile(file, new Uint8Array(await wb.xlsx.writeBuffer()));
  return file;
}

/** Text of a .docx body: every w:t joined. */
function docxText(bytes: Uint8Array): string {
  const xml = strFromU8(unzipSync(bytes)['word/document.xml']!);
  return [...xml.matchAll(/<w:t(?:\s[^>]*)?>([^<]*)<\/w:t>/g)].map((m) => m[1]).join('');
}

const all = (m: string) => Array<string>(8).fill(m);

describe('course end season', () => {
  let h: Harness;
  let hebei: Person[];
  let shanxi: Person[];
  const hebeiContact = `ce-hb-${randomUUID().slice(0, 8)}@example.cn`;
  const shanxiContact = `ce-sx-${randomUUID().slice(0, 8)}@example.cn`;
  let certs: { number: string; code: string; student: string; region: string; file: string }[] = [];
  const since = Date.now() - 1000;
  // The verification page `lingjun start` serves: the verify function's own handler on a loopback port.
  let page: { url: string; stop(): Promise<void> };

  afterAll(async () => {
    await page?.stop();
  });

  beforeAll(async () => {
    const program = await testProgram((p) => {
      (p.contacts as Record<string, string[]>)['130000'] = [hebeiContact];
      (p.contacts as Record<string, string[]>)['140000'] = [shanxiContact];
    });
    h = await harness(program);
    const { startVerifyServer } = await import('@lingjun/local');
    const { verifyHandler } = await import('@lingjun/fn-verify');
    page = await startVerifyServer(verifyHandler(h.config));
    // Advertise the page with the harness's stack, as `lingjun start` does for its state folder.
    const file = join(h.stateDir, 'stack.json');
    await writeFile(
      file,
      JSON.stringify({ ...JSON.parse(await readFile(file, 'utf8')), verifyUrl: page.url }),
    );
    hebei = people(5, 601, '130000', 1);
    shanxi = people(2, 602, '140000', 1);
    const a = await submission({ program, from: hebeiContact, region: '河北省', classNo: 1, people: hebei });
    const b = await submission({ program, from: shanxiContact, region: '山西', classNo: 1, people: shanxi });
    const outcomes = await h.ingest([a.raw, b.raw], { receivedAt: IN_TIME });
    expect(outcomes.map((o) => o.status)).toEqual(['accepted', 'accepted']);
  });

  it('imports sheets: replaces a half-day, matches by 后四位 and name, reports a row matching nobody', async () => {
    const [A, B, C, D, E] = hebei as [Person, Person, Person, Person, Person];
    const [F, G] = shanxi as [Person, Person];
    // First sheet wrongly marks A absent on day 1 morning; the corrected sheet below replaces it.
    const wrong = await signInSheet(HALF_DAYS.slice(0, 4), [
      { name: A.name, id: A.idNumber, marks: ['×', '√', '√', '√'] },
    ]);
    const first = await cli(h, ['attendance', 'import', wrong, '--class', '1', '--json']);
    expect(first.code).toBe(0);
    const rows: SheetRow[] = [
      { name: A.name, id: A.idNumber, marks: all('√') },
      { name: B.name, id: B.idNumber, marks: ['√', '缺勤', '√', '√', '×', '√', '√', '√'] },
      { name: C.name, id: C.idNumber, marks: ['√', '√', '请假', '√', '√', '√', '√', '√'] },
      { name: D.name, id: D.idNumber.slice(-4), marks: all('出勤') },
      { name: E.name, id: E.idNumber, marks: ['迟到', '✓', '✓', '✓', '✓', '✓', '✓', '✓'] },
      { name: F.name, id: F.idNumber, marks: all('√') },
      { name: G.name, id: G.idNumber, marks: ['√', '√', '√', '√', '√', '√', '√', ''] },
      { name: '查无此人', id: '', marks: all('√') },
    ];
    const sheet = await signInSheet(HALF_DAYS, rows);
    const res = await cli(h, ['attendance', 'import', sheet, '--class', '1', '--json']);
    expect(res.code).toBe(0);
    const [imp] = jsonLines<{
      matched: number;
      halfDays: string[];
      findings: { row?: number; student?: string; message: string }[];
    }>(res.out);
    expect(imp?.halfDays).toEqual([
      '2025-06-24AM',
      '2025-06-24PM',
      '2025-06-25AM',
      '2025-06-25PM',
      '2025-06-26AM',
      '2025-06-26PM',
      '2025-06-27AM',
      '2025-06-27PM',
    ]);
    expect(imp?.matched).toBe(7);
    const nobody = imp?.findings.filter((f) => f.student === '查无此人') ?? [];
    expect(nobody).toHaveLength(1);
    expect(nobody[0]?.row).toBe(10);
    expect(nobody[0]?.message).toContain('找不到');
    const course = courseRegistry(h.config, 2025);
    const sheets = await course.listAttendance(1);
    expect(sheets).toHaveLength(8);
    // D was matched by 后四位 and name alone.
    const dKey = (await h.deps().registry.listClass(1)).find((r) => r.name === D.name)!.personKey;
    expect(sheets.every((s) => s.marks[dKey] === 'present')).toBe(true);
  });

  it('issues certificates to exactly the completing students, with the right text', async () => {
    const out = await mkdtemp(join(tmpdir(), 'lingjun-certs-'));
    const early = await cli(h, ['certificates', '--class', '1', '--now', LAST_AFTERNOON, '--out', out]);
    expect(early.code).toBe(1);
    expect(early.out).toBe('');
    const res = await cli(h, [
      'certificates',
      '--class',
      '1',
      '--now',
      AFTER_CLASS_1,
      '--out',
      out,
      '--json',
    ]);
    expect(res.code).toBe(0);
    certs = jsonLines(res.out);
    const [A, B, C, D, E] = hebei as [Person, Person, Person, Person, Person];
    const [F, G] = shanxi as [Person, Person];
    expect(certs.map((c) => c.student).sort()).toEqual([A, C, D, E, F].map((p) => p.name).sort());
    expect(certs.map((c) => c.student)).not.toContain(B.name);
    expect(certs.map((c) => c.student)).not.toContain(G.name);
    expect(new Set(certs.map((c) => c.number)).size).toBe(5);
    for (const c of certs) {
      expect(c.number).toMatch(/^2025-01-\d{3}$/);
      expect(c.code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
      const text = docxText(await readFile(c.file));
      const person = [...hebei, ...shanxi].find((p) => p.name === c.student)!;
      expect(text).toContain(c.student);
      expect(text).toContain(person.enterprise);
      expect(text).toContain('第1期');
      expect(text).toContain('2025年6月24日至6月27日');
      expect(text).toContain('北京');
      // The QR code's address, printed under it, is the stack's own verification page.
      expect(text).toContain(`${page.url}?n=${c.number}`);
      expect(text).toContain(c.number);
      expect(text).toContain(c.code);
      expect(text).not.toContain('{{');
      expect(text).not.toContain(person.idNumber);
    }
    const printable = (await readdir(out)).find((f) => f.includes('打印版'))!;
    const printText = docxText(await readFile(join(out, printable)));
    for (const c of certs) expect(printText).toContain(c.number);
    const sections = strFromU8(unzipSync(await readFile(join(out, printable)))['word/document.xml']!).match(
      /<w:sectPr/g,
    );
    expect(sections).toHaveLength(5);
  });

  it('sends each region its zip and completion list, and the bureau the summary', async () => {
    const hb = await Promise.all((await h.sentTo(hebeiContact, since)).map((r) => strictParsed(r)));
    const hbCert = hb.filter((m) => m.subject?.includes('结业证书'));
    expect(hbCert).toHaveLength(1);
    expect(hbCert[0]!.text).toContain(`在线核验：${page.url}`);
    const zip = hbCert[0]!.attachments.find((a) => a.filename?.endsWith('.zip'))!;
    const files = unzipSync(new Uint8Array(zip.content));
    const docs = Object.keys(files).filter((f) => f.endsWith('.docx'));
    expect(docs).toHaveLength(4);
    const listName = Object.keys(files).find((f) => f.endsWith('.xlsx'))!;
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(files[listName]!) as never);
    const ws = wb.worksheets[0]!;
    const B = hebei[1]!;
    let bRow: ExcelJS.Row | undefined;
    ws.eachRow((row) => {
      if (row.getCell(3).value === B.name) bRow = row;
    });
    expect(bRow?.getCell(9).value).toBe('未结业');
    expect(String(bRow?.getCell(10).value)).toContain('缺勤2个半天');
    const sx = await Promise.all((await h.sentTo(shanxiContact, since)).map((r) => strictParsed(r)));
    expect(sx.filter((m) => m.subject?.includes('结业证书'))).toHaveLength(1);
    const bureau = await Promise.all(
      (await h.sentTo(h.program.adminEmails[0]!, since)).map((r) => strictParsed(r)),
    );
    const summary = bureau.filter((m) => m.subject?.includes('第1期结业情况汇总'));
    expect(summary).toHaveLength(1);
    expect(summary[0]?.text).toContain('参训7人，结业5人，未结业2人');
  });

  it('verifies genuine pairs, refuses a wrong code, reports a revoked certificate', async () => {
    for (const c of certs) {
      const r = await cli(h, ['verify', c.number, c.code, '--json']);
      expect(r.code).toBe(0);
      expect(jsonLines<{ valid: boolean; status: string }>(r.out)[0]).toMatchObject({
        valid: true,
        status: 'genuine',
      });
    }
    const [first, second] = certs as [(typeof certs)[0], (typeof certs)[0]];
    const wrong = await cli(h, ['verify', first.number, second.code, '--json']);
    expect(wrong.code).toBe(1);
    expect(jsonLines<{ valid: boolean; status: string }>(wrong.out)[0]).toMatchObject({
      valid: false,
      status: 'not_found',
    });
    const revokedSince = Date.now() - 1000;
    const rev = await cli(h, ['revoke', second.number, '--reason', '学员考勤记录有误']);
    expect(rev.code).toBe(0);
    expect(rev.out).toContain(`已撤销证书 ${second.number}`);
    // The region is told once; revoking again changes nothing and says when it was revoked.
    const again = await cli(h, ['revoke', second.number, '--reason', '再次撤销']);
    expect(again.code).toBe(0);
    expect(again.out).toContain('本次未作改动');
    expect(again.out).toContain('学员考勤记录有误');
    const notices = (
      await Promise.all(
        (
          await h.sentTo(second.region === '130000' ? hebeiContact : shanxiContact, revokedSince)
        ).map((r) => strictParsed(r)),
      )
    ).filter((m) => m.subject?.includes('【证书撤销】') && m.subject.includes(second.number));
    expect(notices).toHaveLength(1);
    expect(notices[0]?.text).toContain('学员考勤记录有误');
    parseStrictHtml(String(notices[0]?.html));
    const after = await cli(h, ['verify', second.number, second.code, '--json']);
    expect(after.code).toBe(1);
    expect(jsonLines<{ valid: boolean; status: string }>(after.out)[0]).toMatchObject({
      valid: false,
      status: 'revoked',
    });
  });

  it('serves the verification page the certificates carry: the form, and a genuine certificate', async () => {
    const form = await fetch(page.url);
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('<form');
    const c = certs[0]!;
    const res = await fetch(
      `${page.url}?n=${encodeURIComponent(c.number)}&c=${encodeURIComponent(c.code)}&format=json`,
    );
    expect(await res.json()).toMatchObject({ valid: true, status: 'genuine', number: c.number });
  });

  it('answers the public page with the masked name only, and rate-limits a guesser', async () => {
    const verification = verificationTable(h.config);
    const c = certs[0]!;
    const ip = `203.0.113.${Math.floor(Math.random() * 250)}`;
    const now = new Date();
    const json = await handleVerifyRequest(
      { method: 'GET', query: { n: c.number, c: c.code, format: 'json' }, sourceIp: ip },
      { verification, now, limit: 3 },
    );
    expect(json.statusCode).toBe(200);
    const body = JSON.parse(json.body);
    expect(body.status).toBe('genuine');
    const chars = [...c.student];
    expect(body.name).toBe(
      chars.length === 2 ? `${chars[0]}*` : `${chars[0]}${'*'.repeat(chars.length - 2)}${chars.at(-1)}`,
    );
    expect(JSON.stringify(body)).not.toContain(c.student);
    expect(Object.keys(body).sort()).toEqual([
      'classNo',
      'end',
      'location',
      'name',
      'number',
      'start',
      'status',
      'valid',
    ]);
    const html = await handleVerifyRequest(
      { method: 'GET', query: { n: c.number, c: c.code }, accept: 'text/html', sourceIp: ip },
      { verification, now, limit: 3 },
    );
    expect(html.headers['content-type']).toContain('text/html');
    expect(html.body).toContain('证书真实有效');
    const guesses = [];
    for (let i = 0; i < 3; i++) {
      guesses.push(
        await handleVerifyRequest(
          { method: 'GET', query: { n: c.number, c: `AAAA-AAAA-AAA${i}`, format: 'json' }, sourceIp: ip },
          { verification, now, limit: 3 },
        ),
      );
    }
    expect(guesses.map((g) => g.statusCode)).toEqual([200, 429, 429]);
    // Another address is not affected.
    const other = await handleVerifyRequest(
      { method: 'GET', query: { n: c.number, c: c.code, format: 'json' }, sourceIp: `${ip}1` },
      { verification, now, limit: 3 },
    );
    expect(other.statusCode).toBe(200);
  });

  it('issues and sends nothing new on a second run', async () => {
    const before = Date.now();
    const out = await mkdtemp(join(tmpdir(), 'lingjun-certs-'));
    const res = await cli(h, [
      'certificates',
      '--class',
      '1',
      '--now',
      AFTER_CLASS_1,
      '--out',
      out,
      '--json',
    ]);
    expect(res.code).toBe(0);
    const again = jsonLines<{ number: string; code: string; student: string }>(res.out);
    // The revoked certificate is not handed out again; every other keeps its number and code.
    const revoked = certs[1]!;
    expect(again.map((c) => `${c.number}|${c.code}|${c.student}`).sort()).toEqual(
      certs
        .filter((c) => c !== revoked)
        .map((c) => `${c.number}|${c.code}|${c.student}`)
        .sort(),
    );
    const course = courseRegistry(h.config, 2025);
    expect((await course.listCertificates(1)).map((c) => c.number).sort()).toEqual(
      certs.map((c) => c.number).sort(),
    );
    for (const to of [hebeiContact, shanxiContact, ...h.program.adminEmails]) {
      const mails = await Promise.all((await h.sentTo(to, before)).map((r) => strictParsed(r)));
      expect(mails.filter((m) => m.subject?.includes('结业'))).toHaveLength(0);
    }
  });

  it('runs the same through the Lambda entry points: course-end re-run and the verify function URL', async () => {
    const env = {
      LINGJUN_TABLE: h.config.tableName,
      LINGJUN_VERIFY_TABLE: h.config.verifyTableName,
      LINGJUN_BUCKET: h.config.bucketName,
      LINGJUN_DYNAMODB_ENDPOINT: h.config.endpoints?.dynamodb,
      LINGJUN_S3_ENDPOINT: h.config.endpoints?.s3,
      LINGJUN_SES_ENDPOINT: h.config.endpoints?.ses,
      LINGJUN_PROGRAM_FILE: h.programFile,
    };
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    try {
      const before = Date.now();
      const { handler: courseEnd } = await import('@lingjun/fn-course-end');
      const results = await courseEnd({ classNo: 1, now: AFTER_CLASS_1 });
      expect(results.map((r) => r.classNo)).toEqual([1]);
      const revoked = certs[1]!;
      const returned = results[0]!.certificates;
      expect(returned.map((c) => c.number).sort()).toEqual(
        certs
          .filter((c) => c !== revoked)
          .map((c) => c.number)
          .sort(),
      );
      // The scheduler gets what happened, not the documents: those stay in S3.
      expect(returned.every((c) => c.content.byteLength === 0)).toBe(true);
      for (const to of [hebeiContact, shanxiContact]) expect(await h.sentTo(to, before)).toHaveLength(0);

      const { handler: verify } = await import('@lingjun/fn-verify');
      const c = certs[0]!;
      const urlEvent = (query: Record<string, string>) =>
        ({
          queryStringParameters: query,
          headers: { accept: 'application/json' },
          requestContext: { http: { method: 'GET', sourceIp: '198.51.100.7' } },
        }) as unknown as Parameters<typeof verify>[0];
      const genuine = await verify(urlEvent({ n: c.number, c: c.code, format: 'json' }));
      expect(typeof genuine === 'object' && genuine.statusCode).toBe(200);
      const body = JSON.parse(typeof genuine === 'object' ? (genuine.body ?? '') : genuine);
      expect(body).toMatchObject({ valid: true, status: 'genuine', number: c.number });
      expect(JSON.stringify(body)).not.toContain(c.student);
      const gone = await verify(urlEvent({ n: revoked.number, c: revoked.code, format: 'json' }));
      expect(JSON.parse(typeof gone === 'object' ? (gone.body ?? '') : gone)).toMatchObject({
        valid: false,
        status: 'revoked',
      });
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it('tells the bureau and organiser why a class without any sheet gets no certificates', async () => {
    const out = await mkdtemp(join(tmpdir(), 'lingjun-certs-'));
    const res = await cli(h, ['certificates', '--class', '2', '--now', '2025-07-12T02:00:00Z', '--out', out]);
    expect(res.code).toBe(1);
    for (const to of [h.program.adminEmails[0]!, h.program.organiserEmails[0]!]) {
      const mails = await Promise.all((await h.sentTo(to, since)).map((r) => strictParsed(r)));
      const notice = mails.filter((m) => m.subject?.includes('第2期缺少签到表'));
      expect(notice).toHaveLength(1);
      expect(notice[0]?.text).toContain('没有该期的任何签到表');
    }
    expect(await readdir(out)).toEqual([]);
  });

  const soffice = (() => {
    for (const bin of ['soffice', 'libreoffice']) {
      try {
        execFileSync('which', [bin], { stdio: 'pipe' });
        return bin;
      } catch {}
    }
    return undefined;
  })();

  it.skipIf(!soffice)(
    'renders a certificate to a one-page PDF (skipped: LibreOffice soffice/libreoffice is not installed here)',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'lingjun-pdf-'));
      const src = join(dir, 'cert.docx');
      await writeFile(src, await readFile(certs[0]!.file));
      execFileSync(soffice!, ['--headless', '--convert-to', 'pdf', '--outdir', dir, src], {
        timeout: 120_000,
      });
      const pdf = (await readFile(join(dir, 'cert.pdf'))).toString('latin1');
      const pages = pdf.match(/\/Type\s*\/Page(?!s)/g) ?? [];
      expect(pages).toHaveLength(1);
    },
  );

  it('writes a 签到表 for class 1 pre-filled with its students, which the importer reads back', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'lingjun-signin-')), '第1期签到表.xlsx');
    const res = await cli(h, ['attendance', 'sheet', '--class', '1', '--out', out]);
    expect(res.code).toBe(0);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(out);
    const ws = wb.worksheets[0]!;
    const header = (ws.getRow(3).values as unknown[]).slice(1).map(String);
    expect(header.slice(0, 5)).toEqual(['序号', '地区', '姓名', '证件号后四位', '企业名称']);
    expect(header.slice(5, 13)).toEqual(HALF_DAYS);
    const names = [4, 5, 6, 7, 8, 9, 10].map((r) => ws.getCell(r, 3).text);
    expect(names.sort()).toEqual([...hebei, ...shanxi].map((p) => p.name).sort());
    for (const p of [...hebei, ...shanxi]) {
      const row = [4, 5, 6, 7, 8, 9, 10].find((r) => ws.getCell(r, 3).text === p.name)!;
      expect(ws.getCell(row, 4).text).toBe(p.idNumber.slice(-4));
      expect(ws.getCell(row, 5).text).toBe(p.enterprise);
    }
    // No full ID number on a sheet that lies on a table by the door.
    const all = JSON.stringify(ws.getSheetValues());
    for (const p of [...hebei, ...shanxi]) expect(all).not.toContain(p.idNumber);
    const { readSignInSheet } = await import('@lingjun/certificates');
    const parsed = await readSignInSheet(
      { filename: '第1期签到表.xlsx', content: await readFile(out) },
      h.program,
    );
    expect(parsed.classNo).toBe(1);
    expect(parsed.halfDays).toHaveLength(8);
    expect(parsed.rows).toHaveLength(7);
  });
});
