/**
 * Every finding code of spec §4, end to end: an email built from the system's own templates goes through
 * `lingjun ingest` against the local stack, and the outcome names the code, the field and the student.
 */
import type { Outcome } from '@lingjun/intake';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildEmail } from '../support/email.ts';
import { harness, testProgram } from '../support/intake.ts';
import { people, submission } from '../support/submission.ts';

const HEBEI = 'hbzxqy@163.com';
const SHANDONG = 'sdzxqyj@sd.gov.cn';
const IN_TIME = '2025-06-05T10:00:00+08:00';

async function run(
  build: (p: Awaited<ReturnType<typeof testProgram>>) => Promise<{ raw: Buffer }>,
  receivedAt = IN_TIME,
) {
  const program = await testProgram();
  const h = await harness(program);
  const { raw } = await build(program);
  const [outcome] = await h.ingest([raw], { receivedAt });
  return outcome!;
}

function expectFinding(o: Outcome, code: string, field?: string) {
  const f = o.findings.find((x) => x.code === code);
  expect(f, `${code} in ${JSON.stringify(o.findings.map((x) => x.code))}`).toBeDefined();
  if (field) expect(f!.field).toBe(field);
  expect(f!.message.length).toBeGreaterThan(8);
  return f!;
}

function mutate(seed: number, change: (p: ReturnType<typeof people>[number]) => void, n = 2) {
  const list = people(n, seed);
  change(list[0]!);
  return list;
}

describe('finding codes through lingjun ingest', () => {
  beforeAll(async () => {
    // Warm the module graph once so the first test's timing is not all imports.
    await testProgram();
  });

  it('NO_FORMS: an email whose attachments are no form', async () => {
    const o = await run(() =>
      buildEmail({
        from: HEBEI,
        attachments: [{ filename: '说明.txt', content: new TextEncoder().encode('请查收') }],
      }),
    );
    expect(o.status).toBe('rejected');
    expectFinding(o, 'NO_FORMS');
    expect(o.reply?.to).toEqual([HEBEI]);
  });

  it('FILE_UNREADABLE: a corrupt workbook', async () => {
    const o = await run(() =>
      buildEmail({
        from: HEBEI,
        attachments: [{ filename: '附件4.xlsx', content: new Uint8Array([0x50, 0x4b, 3, 4, 1, 2, 3]) }],
      }),
    );
    const f = expectFinding(o, 'FILE_UNREADABLE');
    expect(f.file).toBe('附件4.xlsx');
  });

  it.each([
    [
      'REQUIRED_MISSING',
      '民族',
      (p: { ethnicity: string }) => {
        p.ethnicity = '';
      },
    ],
    [
      'VALUE_INVALID',
      '性别',
      (p: { sex: string }) => {
        p.sex = '未知' as never;
      },
    ],
    [
      'ID_CHECKSUM',
      '身份证号码',
      (p: { idNumber: string }) =>
        (p.idNumber = p.idNumber.slice(0, 17) + (p.idNumber.endsWith('1') ? '2' : '1')),
    ],
    [
      'ID_BIRTH_MISMATCH',
      '出生年月',
      (p: { birth: string }) => (p.birth = p.birth.startsWith('1970') ? '1971-01' : '1970-01'),
    ],
    [
      'USCC_CHECKSUM',
      '统一社会信用代码',
      (p: { uscc: string }) => (p.uscc = p.uscc.slice(0, 17) + (p.uscc.endsWith('1') ? '2' : '1')),
    ],
    [
      'PHONE_INVALID',
      '手机号码',
      (p: { mobile: string }) => {
        p.mobile = '12345';
      },
    ],
    [
      'EMAIL_INVALID',
      '电子邮箱',
      (p: { email: string }) => {
        p.email = 'zhang@@example';
      },
    ],
  ] as const)('%s on field %s rejects that student only', async (code, field, change) => {
    const list = mutate(11, change as never);
    const o = await run((program) =>
      submission({ program, from: HEBEI, region: '河北', classNo: 1, people: list }),
    );
    const f = expectFinding(o, code);
    if (code !== 'ID_BIRTH_MISMATCH') expect(f.field).toBe(field);
    expect(f.student).toBe(list[0]!.name);
    expect(o.status).toBe('partially_accepted');
    expect(o.classes).toEqual([{ no: 1, accepted: 1, rejected: 1, withdrawn: 0 }]);
  });

  it('UNKNOWN_REGION: 填报地区 names no region', async () => {
    const o = await run((program) =>
      submission({ program, from: HEBEI, region: '火星省', classNo: 1, people: people(1, 12) }),
    );
    expect(o.status).toBe('rejected');
    expectFinding(o, 'UNKNOWN_REGION', '填报地区');
  });

  it('REGION_MISMATCH: a Hebei contact submits for Shandong', async () => {
    const o = await run((program) =>
      submission({ program, from: HEBEI, region: '山东省', classNo: 1, people: people(1, 13, '370000') }),
    );
    expect(o.status).toBe('rejected');
    expectFinding(o, 'REGION_MISMATCH', '填报地区');
    expect(o.classes).toEqual([]);
  });

  it('UNKNOWN_CLASS: 培训期次 beyond the program', async () => {
    const o = await run((program) =>
      submission({ program, from: HEBEI, region: '河北', classNo: 12, people: people(1, 14) }),
    );
    expectFinding(o, 'UNKNOWN_CLASS', '培训期次');
    expect(o.status).toBe('rejected');
  });

  it('CLASS_MISMATCH: a 附件5 names another class than its 附件4', async () => {
    const list = people(2, 15);
    const form5 = list.map((p, i) => (i === 0 ? { ...p, classNo: '2' } : p));
    const o = await run((program) =>
      submission({ program, from: HEBEI, region: '河北', classNo: 1, people: list, form5For: form5 }),
    );
    expectFinding(o, 'CLASS_MISMATCH', '培训期次');
    expect(o.classes[0]).toMatchObject({ accepted: 1, rejected: 1 });
  });

  it('FORM_MISSING: a 附件4 row without its 附件5', async () => {
    const list = people(2, 16);
    const o = await run((program) =>
      submission({ program, from: HEBEI, region: '河北', classNo: 1, people: list, form5For: [list[1]!] }),
    );
    const f = expectFinding(o, 'FORM_MISSING');
    expect(f.student).toBe(list[0]!.name);
    expect(o.classes[0]).toMatchObject({ accepted: 1, rejected: 1 });
  });

  it('FORM_MISMATCH: a 附件5 names another enterprise', async () => {
    const list = people(2, 17);
    const form5 = list.map((p, i) => (i === 0 ? { ...p, enterprise: '另一家科技有限公司' } : p));
    const o = await run((program) =>
      submission({ program, from: HEBEI, region: '河北', classNo: 1, people: list, form5For: form5 }),
    );
    expectFinding(o, 'FORM_MISMATCH', '企业名称');
    expect(o.classes[0]).toMatchObject({ accepted: 1, rejected: 1 });
  });

  it('FORM_UNLISTED: a 附件5 with no 附件4 row is a warning', async () => {
    const list = people(3, 18);
    const o = await run((program) =>
      submission({
        program,
        from: HEBEI,
        region: '河北',
        classNo: 1,
        people: list.slice(0, 2),
        form5For: list,
      }),
    );
    const f = expectFinding(o, 'FORM_UNLISTED');
    expect(f.severity).toBe('warning');
    expect(f.student).toBe(list[2]!.name);
    expect(o.status).toBe('accepted');
  });

  it('ENTERPRISE_DUPLICATE and PERSON_DUPLICATE: across regions, and twice in one email', async () => {
    const program = await testProgram();
    const h = await harness(program);
    const sd = people(2, 19, '370000');
    const first = await submission({ program, from: SHANDONG, region: '山东', classNo: 1, people: sd });
    const [a] = await h.ingest([first.raw], { receivedAt: IN_TIME });
    expect(a?.status).toBe('accepted');

    const hb = people(3, 20, '130000', 2);
    hb[0] = { ...hb[0]!, uscc: sd[0]!.uscc, enterprise: sd[0]!.enterprise }; // same enterprise, other person
    hb[1] = { ...sd[1]!, classNo: '2' }; // same person again
    const twice = { ...people(1, 21, '130000', 2)[0]!, uscc: hb[2]!.uscc, enterprise: hb[2]!.enterprise };
    const second = await submission({
      program,
      from: HEBEI,
      region: '河北',
      classNo: 2,
      people: [...hb, twice],
    });
    const [b] = await h.ingest([second.raw], { receivedAt: IN_TIME });
    const ent = b!.findings.filter((f) => f.code === 'ENTERPRISE_DUPLICATE');
    expect(ent.map((f) => f.student).sort()).toEqual([hb[0]!.name, twice.name].sort());
    expect(ent[0]!.message).toMatch(/山东省|本次报送/);
    expect(b!.findings.find((f) => f.code === 'PERSON_DUPLICATE')?.student).toBe(sd[1]!.name);
    expect(b!.classes[0]).toMatchObject({ no: 2, accepted: 1, rejected: 3 });
  });

  it('QUOTA_EXCEEDED: rows are taken in order up to the per-class limit', async () => {
    // 深圳 has 4 places in class 1 and no contact yet: its first sender becomes the contact.
    const list = people(5, 22, '440300');
    const o = await run((program) =>
      submission({ program, from: 'szsme@sz.gov.cn', region: '深圳', classNo: 1, people: list }),
    );
    const f = expectFinding(o, 'QUOTA_EXCEEDED');
    expect(f.student).toBe(list[4]!.name);
    expect(o.classes).toEqual([{ no: 1, accepted: 4, rejected: 1, withdrawn: 0 }]);
  });

  it('DEADLINE_PASSED: judged by the receipt time, for the whole class', async () => {
    const o = await run(
      (program) => submission({ program, from: HEBEI, region: '河北', classNo: 1, people: people(2, 23) }),
      '2025-06-10T08:00:00+08:00',
    );
    expectFinding(o, 'DEADLINE_PASSED');
    expect(o.classes).toEqual([{ no: 1, accepted: 0, rejected: 2, withdrawn: 0 }]);
    expect(o.status).toBe('rejected');
  });

  it('the last minute of the deadline day, Beijing time, is still in time', async () => {
    const o = await run(
      (program) => submission({ program, from: HEBEI, region: '河北', classNo: 1, people: people(1, 24) }),
      '2025-06-09T23:59:00+08:00',
    );
    expect(o.status).toBe('accepted');
  });

  it.each([
    [
      'NOT_PRINCIPAL',
      '职务',
      (p: { title: string }) => {
        p.title = '副总经理';
      },
    ],
    [
      'NOT_SME_LIKELY',
      undefined,
      (p: { employees: string; revenue: string }) => {
        p.employees = '2000';
        p.revenue = '50000';
      },
    ],
    [
      'TYPE_OTHER_ONLY',
      '企业类型',
      (p: { enterpriseType: string }) => {
        p.enterpriseType = '其他';
      },
    ],
  ] as const)('%s is a warning and the student is accepted', async (code, field, change) => {
    const list = mutate(25, change as never, 1);
    const o = await run((program) =>
      submission({ program, from: HEBEI, region: '河北', classNo: 1, people: list }),
    );
    const f = expectFinding(o, code, field);
    expect(f.severity).toBe('warning');
    expect(o.status).toBe('accepted');
  });

  it('ENTERPRISE_REGION_MISMATCH: a credit code registered in another province', async () => {
    const list = people(1, 26, '370000').map((p) => ({ ...p }));
    const o = await run((program) =>
      submission({ program, from: HEBEI, region: '河北', classNo: 1, people: list }),
    );
    const f = expectFinding(o, 'ENTERPRISE_REGION_MISMATCH', '统一社会信用代码');
    expect(f.severity).toBe('warning');
    expect(o.status).toBe('accepted');
  });
});
