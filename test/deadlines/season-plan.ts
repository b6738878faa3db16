/**
 * The deadline season both season tests run: its program (four regions, three with contacts) and its five
 * submissions, the same people and forms every time, so a faulted run can be compared with a clean one.
 */
import type { Program } from '@lingjun/program';
import { testProgram } from '../support/intake.ts';
import { people, submission } from '../support/submission.ts';

export const HEBEI = 'hebei.season@dl-test.cn';
export const SHANXI = 'shanxi.season@dl-test.cn';
export const LIAONING = 'liaoning.season@dl-test.cn';
export const BUREAU = 'bureau.season@dl-test.cn';

const form3 = (region: string, email: string) => [
  { region, unit: `${region}工业和信息化厅`, contact: '王明', mobile: '13912345678', email },
];

/** The season's program: small quotas, so places fill and under-fill reports have something to say. */
export function seasonProgram(): Promise<Program> {
  return testProgram((p) => {
    p.adminEmails = [BUREAU];
    p.quotas = {
      '130000': { total: 2 },
      '140000': { total: 2 },
      '210000': { total: 3 },
      '320000': { total: 1 },
    };
    p.contacts = { '130000': [HEBEI], '140000': [SHANXI], '210000': [LIAONING] };
  });
}

/** The season's submissions, in the order they arrive. */
export async function seasonMail(program: Program) {
  // 河北 sends 附件3 and fills its quota in class 1; 山西 sends class 1 without 附件3; 辽宁 and 江苏 nothing.
  const hebei = await submission({
    program,
    from: HEBEI,
    region: '河北省',
    classNo: 1,
    people: people(2, 501, '130000', 1),
    form3: form3('河北省', HEBEI),
  });
  const shanxi = await submission({
    program,
    from: SHANXI,
    region: '山西省',
    classNo: 1,
    people: people(1, 502, '140000', 1),
  });
  // 辽宁's class-1 list after the deadline.
  const late = await submission({
    program,
    from: LIAONING,
    region: '辽宁省',
    classNo: 1,
    people: people(1, 503, '210000', 1),
  });
  const liaoningPeople = people(3, 504, '210000', 3);
  liaoningPeople[0]!.name = '=HYPERLINK("http://x.test","点我")';
  const shanxi2 = await submission({
    program,
    from: SHANXI,
    region: '山西省',
    classNo: 2,
    people: people(1, 505, '140000', 2),
    form3: form3('山西省', SHANXI),
  });
  const liaoning3 = await submission({
    program,
    from: LIAONING,
    region: '辽宁省',
    classNo: 3,
    people: liaoningPeople,
    form3: form3('辽宁省', LIAONING),
  });
  return { hebei, shanxi, late, shanxi2, liaoning3 };
}
