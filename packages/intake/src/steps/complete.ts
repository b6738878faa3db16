import type { Form5 } from '@lingjun/forms';
import { personKey } from '@lingjun/registry';
import { type Finding, finding, isError } from '@lingjun/rules';
import type { Run } from '../lifecycle.ts';

/**
 * A 附件5 that no 附件4 row of the email lists completes a student already on file for the region (a
 * follow-up email with the forms that were missing); otherwise it is reported as unlisted.
 */
export async function attachLooseForm5s(
  run: Run,
  region: string,
  loose: Form5[],
): Promise<{ findings: Finding[]; attached: number }> {
  if (loose.length === 0) return { findings: [], attached: 0 };
  const onFile = (await run.deps.registry.listRegion(region)).filter((r) => r.status === 'active');
  const out: Finding[] = [];
  let attached = 0;
  for (const f5 of loose) {
    const id = f5.record.values.idNumber;
    const key = id ? personKey(run.deps.keySecret, id) : undefined;
    const reg = key ? onFile.find((r) => r.personKey === key) : undefined;
    if (reg && !f5.record.findings.some(isError)) {
      await run.deps.registry.update(
        reg,
        {
          uscc: reg.uscc,
          name: reg.name,
          values: { ...f5.record.values, ...reg.values, form5: '1' },
          messageId: run.key,
          seq: reg.seq,
        },
        run.now,
      );
      attached++;
      continue;
    }
    out.push(
      finding(
        'FORM_UNLISTED',
        `该学员报名表（附件5）在报名汇总表（附件4）中没有对应的行，本表未作处理。如需报名，请将其列入对应期次的报名汇总表一并报送。`,
        { form: '附件5', file: f5.file, student: f5.record.values.name ?? '', field: '姓名' },
      ),
    );
  }
  return { findings: out, attached };
}
