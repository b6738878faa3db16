/**
 * Deterministic bench inputs: a typical submission (附件3 + 附件4 of 30 rows + 30 附件5), a large one
 * (100 + 100), the sample emails of test/fixtures/mail, and a season burst (37 regions × 9 classes). People come from the
 * seeded generator and Message-IDs are fixed; the office files carry the fill time in their metadata and
 * MIME boundaries are random, which changes bytes but not the work. Generated files are cached under
 * .lingjun/bench-fixtures, keyed by the sources that make them, because the burst takes a minute to fill.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Program, parseProgram, REGIONS } from '@lingjun/program';
import { fillForm3, fillForm4, fillForm5Docx, generatePeople, type Person } from '@lingjun/testing';
import { buildEmail } from '../test/support/email.ts';

const ROOT = new URL('..', import.meta.url).pathname;
/** Bump when the fixture recipe changes in a way the source hash cannot see. */
const RECIPE = 'v1';
const SOURCES = [
  'bench/fixtures.ts',
  'packages/testing/src/fill.ts',
  'packages/testing/src/people.ts',
  'packages/forms/src/templates/form3.ts',
  'packages/forms/src/templates/form4.ts',
  'packages/forms/src/templates/form5-docx.ts',
  'packages/forms/src/templates/common.ts',
  'examples/program-2025.json',
];
/** The sample emails: $LINGJUN_SAMPLES_DIR, or the repository's test/fixtures/mail. */
function samplesDir(): string | undefined {
  return [process.env.LINGJUN_SAMPLES_DIR, join(ROOT, 'test', 'fixtures', 'mail')].find(
    (d): d is string => d !== undefined && existsSync(d),
  );
}
export const BURST_CLASSES = 9;
export const BURST_PEOPLE = 3;
/** Region quota in the burst program: below 9 classes × 3 people, so late emails meet a full quota. */
export const BURST_QUOTA = 20;
/** Sender of the typical and large submissions: 河北省's contact in the example program. */
export const TYPICAL_SENDER = 'hbzxqy@163.com';

/** Paths of the generated fixtures. */
export interface Fixtures {
  dir: string;
  typical: string;
  large: string;
  form4Typical: string;
  form4Large: string;
  samples: string[];
  burstProgram: string;
  /** Burst emails in delivery order (region by region). */
  burst: string[];
}

async function sourceHash(): Promise<string> {
  const h = createHash('sha256').update(RECIPE);
  for (const f of SOURCES) h.update(await readFile(join(ROOT, f)));
  return h.digest('hex').slice(0, 16);
}

/** The example program with a quota and a contact for all 37 regions (the burst's program). */
export async function burstProgram(): Promise<Program> {
  const data = JSON.parse(await readFile(join(ROOT, 'examples/program-2025.json'), 'utf8'));
  data.quotas = Object.fromEntries(REGIONS.map((r) => [r.code, { total: BURST_QUOTA }]));
  data.contacts = Object.fromEntries(REGIONS.map((r) => [r.code, [burstSender(r.code)]]));
  return parseProgram(data);
}

/** The contact address of a region in the burst program. */
export function burstSender(code: string): string {
  return `r${code}@bench.example.cn`;
}

async function exampleProgram(): Promise<Program> {
  return parseProgram(JSON.parse(await readFile(join(ROOT, 'examples/program-2025.json'), 'utf8')));
}

async function submissionEmail(opts: {
  program: Program;
  from: string;
  region: string;
  classNo: number;
  people: Person[];
  form3?: Record<string, string>[];
  messageId: string;
}): Promise<{ raw: Buffer; form4: Uint8Array }> {
  const attachments: { filename: string; content: Uint8Array }[] = [];
  if (opts.form3) {
    attachments.push({
      filename: '附件3-工作信息表.xlsx',
      content: await fillForm3(opts.form3, { program: opts.program }),
    });
  }
  const form4 = await fillForm4(opts.people, opts.region, opts.classNo, { program: opts.program });
  attachments.push({ filename: `附件4-第${opts.classNo}期报名汇总表.xlsx`, content: form4 });
  for (const p of opts.people) {
    attachments.push({
      filename: `附件5-${p.name}.docx`,
      content: await fillForm5Docx(p, { program: opts.program }),
    });
  }
  const { raw } = await buildEmail({ from: opts.from, attachments, messageId: opts.messageId });
  return { raw, form4 };
}

/** Generates (or reuses) every fixture; returns their paths. */
export async function fixtures(log: (s: string) => void = () => {}): Promise<Fixtures> {
  const dir = join(ROOT, '.lingjun', 'bench-fixtures', await sourceHash());
  const sdir = samplesDir();
  if (!sdir) log('fixtures: sample emails not found (set LINGJUN_SAMPLES_DIR); measuring without them');
  const samples = sdir
    ? (await readdir(sdir))
        .filter((f) => f.endsWith('.eml'))
        .sort()
        .map((f) => join(sdir, f))
    : [];
  const burstDir = join(dir, 'burst');
  const fx: Fixtures = {
    dir,
    typical: join(dir, 'typical.eml'),
    large: join(dir, 'large.eml'),
    form4Typical: join(dir, 'form4-typical.xlsx'),
    form4Large: join(dir, 'form4-large.xlsx'),
    samples,
    burstProgram: join(dir, 'burst-program.json'),
    burst: [],
  };
  // Region by region, each region's nine emails together: four workers then race on one region's quota
  // and enterprises, the case the conditional writes must get right.
  const order: string[] = [];
  for (const r of REGIONS) {
    for (let c = 1; c <= BURST_CLASSES; c++) order.push(join(burstDir, `${r.code}-c${c}.eml`));
  }
  fx.burst = order;
  if (existsSync(join(dir, 'done'))) return fx;

  await rm(dir, { recursive: true, force: true });
  await mkdir(burstDir, { recursive: true });
  const program = await exampleProgram();
  const contact = {
    region: '130000',
    unit: '河北省工业和信息化厅',
    department: '中小企业处',
    contact: '王敏',
    position: '科长',
    officePhone: '0311-87800000',
    mobile: '13800138000',
    email: TYPICAL_SENDER,
  };
  log('fixtures: typical and large submissions');
  for (const [name, n, seed] of [
    ['typical', 30, 101],
    ['large', 100, 202],
  ] as const) {
    const people = generatePeople(n, { seed, regionCode: '130000', classNo: 1 });
    const { raw, form4 } = await submissionEmail({
      program,
      from: TYPICAL_SENDER,
      region: '130000',
      classNo: 1,
      people,
      form3: [contact],
      messageId: `<bench-${name}@bench.example.cn>`,
    });
    await writeFile(join(dir, `${name}.eml`), raw);
    await writeFile(join(dir, `form4-${name}.xlsx`), form4);
  }
  const bp = await burstProgram();
  await writeFile(fx.burstProgram, JSON.stringify(bp));
  log(`fixtures: burst of ${order.length} emails (cached afterwards)`);
  for (const r of REGIONS) {
    let first: Person | undefined;
    for (let c = 1; c <= BURST_CLASSES; c++) {
      const people = generatePeople(BURST_PEOPLE, {
        seed: Number(r.code) + c,
        regionCode: r.code,
        classNo: c,
      });
      first ??= people[0];
      // Class 2's first student works for class 1's first student's enterprise: one enterprise, one place a
      // year, so exactly one of the two may stand however the workers interleave (both are within quota).
      if (c === 2 && first && people[0]) {
        people[0] = { ...people[0], enterprise: first.enterprise, uscc: first.uscc };
      }
      const { raw } = await submissionEmail({
        program: bp,
        from: burstSender(r.code),
        region: r.code,
        classNo: c,
        people,
        messageId: `<bench-burst-${r.code}-c${c}@bench.example.cn>`,
      });
      await writeFile(join(burstDir, `${r.code}-c${c}.eml`), raw);
    }
  }
  await writeFile(join(dir, 'done'), new Date().toISOString());
  return fx;
}
