/**
 * The largest realistic submission (spec: one 附件4 of 100 rows and 100 附件5) is read and recognised whole;
 * the time is printed, and measured as a ratio to its floor by the bench's intake stage (large fixture).
 */
import { loadProgram } from '@lingjun/program';
import { fillForm4, fillForm5Docx, generatePeople } from '@lingjun/testing';
import { describe, expect, it } from 'vitest';
import { extractForms, type RawDocument, readAttachment } from '../src/index.ts';

describe('the largest realistic submission', () => {
  it('reads 附件4 × 100 rows and 100 附件5 .docx and recognises every form', async () => {
    const program = await loadProgram(
      new URL('../../../examples/program-2025.json', import.meta.url).pathname,
    );
    const people = generatePeople(100, { seed: 77, regionCode: '320000', classNo: 2 });
    const files = [
      { filename: '附件4-第2期.xlsx', content: await fillForm4(people, '320000', 2, { program }) },
      ...(await Promise.all(
        people.map(async (p) => ({
          filename: `附件5-${p.name}.docx`,
          content: await fillForm5Docx(p, { program }),
        })),
      )),
    ];
    const run = async () => {
      const t0 = performance.now();
      const docs: RawDocument[] = [];
      for (const f of files) docs.push(...(await readAttachment(f)).documents);
      const result = extractForms(docs, { program });
      return { ms: performance.now() - t0, result };
    };
    await run(); // warm-up: module initialisation is not what this measures
    const times: number[] = [];
    let last: Awaited<ReturnType<typeof run>>['result'] | undefined;
    for (let i = 0; i < 5; i++) {
      const { ms, result } = await run();
      times.push(ms);
      last = result;
    }
    times.sort((a, b) => a - b);
    const median = times[2]!;
    console.log(
      `largest submission: read + recognise median ${median.toFixed(0)} ms (runs ${times.map((t) => t.toFixed(0)).join(', ')})`,
    );
    expect(last!.forms.filter((f) => f.form === '附件4')).toHaveLength(1);
    expect(last!.forms.filter((f) => f.form === '附件5')).toHaveLength(100);
    // Speed is the bench's intake stage on the large fixture (100 + 100), as a ratio to its floor.
  });
});
