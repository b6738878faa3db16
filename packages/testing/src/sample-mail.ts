/**
 * The four sample submissions, made from the system's own blank forms filled with generated people and sent
 * in the style of the four mail clients provinces use. test/fixtures/mail/generate.ts writes them as .eml;
 * tests, the bench and the README's try-it path read those files.
 */
import * as XLSX from '@e965/xlsx';
import { extractForms, type Form5, readAttachment } from '@lingjun/forms';
import type { Program } from '@lingjun/program';
import { usccCheckDigit } from '@lingjun/rules';
import { type ClientAttachment, clientMail, FOXMAIL, NETEASE, OUTLOOK, QQMAIL } from './client-mime.ts';
import { type Form3Contact, fillForm3, fillForm4, fillForm5Docx } from './fill.ts';
import { gbkZip } from './legacy-zip.ts';
import { generatePeople, type Person } from './people.ts';

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const DOCX_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const USCC_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';

/** Word 97 附件5 forms, which no library here writes: committed binaries, LibreOffice-converted once. */
export interface LegacyForms {
  /** A .doc 附件5 of a 山东省 class 3 student. */
  doc: Uint8Array;
  /** A .wps 附件5 (WPS Writer saves Word 97) of another 山东省 class 3 student. */
  wps: Uint8Array;
}

/** One fixture email: its file name and raw bytes. */
export interface SampleMail {
  file: string;
  raw: Buffer;
}

const TEXT = '您好，附件为我省报名材料，请查收。\n中小企业处';
const DATE = 'Thu, 05 Jun 2025 09:30:00 +0800';

function contact(program: Program, region: string, unit: string): Form3Contact {
  const email = program.contacts[region]?.[0];
  if (!email) throw new Error(`program has no contact for ${region}`);
  return {
    region,
    unit,
    department: '中小企业处',
    contact: '李明',
    position: '四级调研员',
    officePhone: '0311-66668888',
    mobile: '13911112222',
    email,
  };
}

function senderOf(program: Program, region: string): string {
  const email = program.contacts[region]?.[0];
  if (!email) throw new Error(`program has no contact for ${region}`);
  return email;
}

async function form5s(people: readonly Person[], program: Program): Promise<ClientAttachment[]> {
  return Promise.all(
    people.map(async (p) => ({
      filename: `附件5：学员报名表-${p.name}.docx`,
      contentType: DOCX_TYPE,
      content: await fillForm5Docx(p, { program }),
    })),
  );
}

/** Foxmail, GB2312: 附件3 + 附件4 + three 附件5 (.docx) of 河北省 class 1. Clean. */
export async function hebeiFoxmail(program: Program): Promise<SampleMail> {
  const people = generatePeople(3, { seed: 2025, regionCode: '130000', classNo: 1 });
  const raw = clientMail({
    style: FOXMAIL,
    fromName: '中小企业处',
    from: senderOf(program, '130000'),
    to: program.mailbox,
    subject: '河北省第1期领军人才培训报名材料',
    text: TEXT,
    date: DATE,
    messageId: '<174908700001.1301.2025060501@163.com>',
    boundary: '===============1301202506050001==',
    attachments: [
      {
        filename: '附件3：领军人才培训工作信息表（河北省）.xlsx',
        contentType: XLSX_TYPE,
        content: await fillForm3([contact(program, '130000', '河北省工业和信息化厅')], { program }),
      },
      {
        filename: '附件4：河北省第1期领军人才培训报名汇总表.xlsx',
        contentType: XLSX_TYPE,
        content: await fillForm4(people, '130000', 1, { program }),
      },
      ...(await form5s(people, program)),
    ],
  });
  return { file: 'foxmail-hebei-class1.eml', raw };
}

/** The people on the legacy forms, read back with the system's own readers. */
async function legacyPeople(legacy: LegacyForms, program: Program): Promise<Person[]> {
  const people: Person[] = [];
  for (const [filename, content] of [
    ['附件5.doc', legacy.doc],
    ['附件5.wps', legacy.wps],
  ] as const) {
    const read = await readAttachment({ filename, content });
    const form = extractForms(read.documents, { program }).forms.find((f): f is Form5 => f.form === '附件5');
    if (!form) throw new Error(`${filename}: no 附件5 found`);
    people.push(form.record.values as unknown as Person);
  }
  return people;
}

/** NetEase, GBK: 附件4 as .xls (BIFF8) and the two 附件5 as .doc and .wps, 山东省 class 3. Clean. */
export async function shandongNetease(program: Program, legacy: LegacyForms): Promise<SampleMail> {
  const people = await legacyPeople(legacy, program);
  const xlsx = await fillForm4(people, '370000', 3, { program });
  // Re-saved as Excel 97 the way an office still on .xls sends it.
  const xls = new Uint8Array(
    XLSX.write(XLSX.read(xlsx, { type: 'array' }), { type: 'buffer', bookType: 'biff8' }) as Buffer,
  );
  const raw = clientMail({
    style: NETEASE,
    fromName: '中小企业处',
    from: senderOf(program, '370000'),
    to: program.mailbox,
    subject: '山东省第3期报名材料',
    text: '请查收',
    date: DATE,
    messageId: '<174908700002.3701.2025060502@sd.gov.cn>',
    boundary: '===============3701202506050002==',
    attachments: [
      { filename: '附件4：山东省第3期报名汇总表.xls', contentType: 'application/vnd.ms-excel', content: xls },
      {
        filename: `附件5：学员报名表-${people[0]!.name}.doc`,
        contentType: 'application/msword',
        content: legacy.doc,
      },
      {
        filename: `附件5：学员报名表-${people[1]!.name}.wps`,
        contentType: 'application/msword',
        content: legacy.wps,
      },
    ],
  });
  return { file: 'netease-shandong-legacy.eml', raw };
}

/** Outlook, RFC 2231 UTF-8 name: one zip (GBK entry names, no UTF-8 flag) with 附件4 + two 附件5, 广东省 class 5. Clean. */
export async function guangdongOutlook(program: Program): Promise<SampleMail> {
  const people = generatePeople(2, { seed: 2026, regionCode: '440000', classNo: 5 });
  const zip = gbkZip([
    { name: '报名材料/' },
    {
      name: '报名材料/附件4：广东省第5期报名汇总表.xlsx',
      data: await fillForm4(people, '440000', 5, { program }),
    },
    ...(await form5s(people, program)).map((a) => ({ name: `报名材料/${a.filename}`, data: a.content })),
  ]);
  const raw = clientMail({
    style: OUTLOOK,
    fromName: '中小企业处',
    from: senderOf(program, '440000'),
    to: program.mailbox,
    subject: '广东省第5期报名材料',
    text: '见压缩包',
    date: DATE,
    messageId: '<174908700003.4401.2025060503@gd.gov.cn>',
    boundary: '===============4401202506050003==',
    attachments: [{ filename: '广东省第5期报名材料.zip', contentType: 'application/zip', content: zip }],
  });
  return { file: 'outlook-guangdong-zip.eml', raw };
}

/** A credit code whose check character is wrong (the next one in the alphabet). */
export function wrongCheckDigit(uscc: string): string {
  const right = usccCheckDigit(uscc.slice(0, 17));
  const wrong = USCC_CHARS[(USCC_CHARS.indexOf(right) + 1) % USCC_CHARS.length]!;
  return uscc.slice(0, 17) + wrong;
}

/**
 * QQ Mail, GB18030: 附件3 + 附件4 + three 附件5 of 浙江省 class 2. Row 2's 统一社会信用代码 has a wrong check
 * character (USCC_CHECKSUM, rejected); row 3's 职务 is 副总经理 (NOT_PRINCIPAL, a warning).
 */
export async function zhejiangQq(program: Program): Promise<SampleMail> {
  const [first, second, third] = generatePeople(3, { seed: 2027, regionCode: '330000', classNo: 2 });
  const people = [
    first!,
    { ...second!, uscc: wrongCheckDigit(second!.uscc) },
    { ...third!, title: '副总经理' },
  ];
  const raw = clientMail({
    style: QQMAIL,
    fromName: '中小企业处',
    from: senderOf(program, '330000'),
    to: program.mailbox,
    subject: '浙江省第2期领军人才培训报名材料',
    text: TEXT,
    date: DATE,
    messageId: '<174908700004.3301.2025060504@126.com>',
    boundary: '===============3301202506050004==',
    attachments: [
      {
        filename: '附件3：领军人才培训工作信息表（浙江省）.xlsx',
        contentType: XLSX_TYPE,
        content: await fillForm3([contact(program, '330000', '浙江省经济和信息化厅')], { program }),
      },
      {
        filename: '附件4：浙江省第2期领军人才培训报名汇总表.xlsx',
        contentType: XLSX_TYPE,
        content: await fillForm4(people, '330000', 2, { program }),
      },
      ...(await form5s(people, program)),
    ],
  });
  return { file: 'qq-zhejiang-errors.eml', raw };
}

/** All four sample emails. */
export async function sampleMails(program: Program, legacy: LegacyForms): Promise<SampleMail[]> {
  return [
    await hebeiFoxmail(program),
    await shandongNetease(program, legacy),
    await guangdongOutlook(program),
    await zhejiangQq(program),
  ];
}
