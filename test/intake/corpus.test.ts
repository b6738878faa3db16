/** Other parsers' hostile and odd test mail: each ends in exactly one recorded outcome, fast, unanswered when a report. */
import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { harness } from '../support/intake.ts';

const CORPUS = new URL('../fixtures/corpus/', import.meta.url);

describe('the vendored MIME corpus through lingjun ingest', () => {
  it('gives every message one outcome within seconds', async () => {
    const h = await harness();
    const files: string[] = [];
    for (const dir of ['mailparser', 'postal-mime']) {
      for (const f of await readdir(new URL(`${dir}/`, CORPUS)))
        if (f.endsWith('.eml')) files.push(`${dir}/${f}`);
    }
    expect(files.length).toBeGreaterThanOrEqual(15);
    const reports = new Set([
      'postal-mime/bounce.eml',
      'mailparser/delivery-status.eml',
      'postal-mime/arf.eml',
    ]);
    let slowest = { file: '', ms: 0 };
    const statuses: string[] = [];
    for (const file of files) {
      const raw = await readFile(new URL(file, CORPUS));
      const t0 = performance.now();
      const outcomes = await h.ingest([raw], { receivedAt: '2025-06-05T10:00:00+08:00' });
      const ms = performance.now() - t0;
      if (ms > slowest.ms) slowest = { file, ms };
      expect(outcomes, file).toHaveLength(1);
      statuses.push(outcomes[0]!.status);
      expect(['rejected', 'accepted', 'duplicate', 'held'], file).toContain(outcomes[0]!.status);
      if (reports.has(file)) expect(outcomes[0]!.reply, file).toBeNull();
    }
    const messages = await h.deps().registry.listMessages();
    // Every message is recorded once; a file with the same Message-ID and sender as an earlier one is that
    // email again (the corpus has such a pair) and is reported as a duplicate.
    expect(messages).toHaveLength(statuses.filter((s) => s !== 'duplicate').length);
    expect(statuses.filter((s) => s === 'duplicate').length).toBeLessThanOrEqual(1);
    console.log(
      `corpus: ${messages.length} recorded, ${files.length} files, slowest ${slowest.file} ${slowest.ms.toFixed(0)} ms`,
    );
  });
});
