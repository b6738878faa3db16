/** Builds a region's submission email from generated people, using the system's own templates. */

import type { Program } from '@lingjun/program';
import { fillForm3, fillForm4, fillForm5Docx, generatePeople, type Person } from '@lingjun/testing';
import { buildEmail } from './email.ts';

export interface SubmissionOptions {
  program: Program;
  from: string;
  /** 填报地区 as written (code or name). */
  region: string;
  classNo: number;
  people: Person[];
  /** People to send a 附件5 for; default every listed person. */
  form5For?: Person[];
  /** Contacts for a 附件3 (omitted when undefined). */
  form3?: Record<string, string>[];
  messageId?: string;
}

/** A complete submission email: optional 附件3, one 附件4, and 附件5 forms as .docx. */
export async function submission(opts: SubmissionOptions) {
  const attachments: { filename: string; content: Uint8Array }[] = [];
  if (opts.form3) {
    attachments.push({
      filename: '附件3-工作信息表.xlsx',
      content: await fillForm3(opts.form3, { program: opts.program }),
    });
  }
  attachments.push({
    filename: `附件4-第${opts.classNo}期报名汇总表.xlsx`,
    content: await fillForm4(opts.people, opts.region, opts.classNo, { program: opts.program }),
  });
  for (const p of opts.form5For ?? opts.people) {
    attachments.push({
      filename: `附件5-${p.name}.docx`,
      content: await fillForm5Docx(p, { program: opts.program }),
    });
  }
  return buildEmail({
    from: opts.from,
    attachments,
    ...(opts.messageId ? { messageId: opts.messageId } : {}),
  });
}

/** n valid people for a region and class; seeds keep tests apart. */
export function people(n: number, seed: number, regionCode = '130000', classNo = 1): Person[] {
  return generatePeople(n, { seed, regionCode, classNo });
}
