/** Issue 14: an ID number beside `_` (a file name, a Message-ID) leaves the system nowhere unmasked. */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '@lingjun/aws';
import { setLogLevel, setLogSink } from '@lingjun/core';
import { fillForm4, fillForm5Docx } from '@lingjun/testing';
import { simpleParser } from 'mailparser';
import { afterAll, describe, expect, it } from 'vitest';
import { localStackInfo } from '../setup/aws.ts';
import { buildEmail } from '../support/email.ts';
import { harness, testProgram } from '../support/intake.ts';
import { people } from '../support/submission.ts';

const ID = '110101199003071234';
const MASKED_ID = '110101********1234';
const MOBILE = '13812345678';
const IN_TIME = '2025-06-05T10:00:00+08:00';

describe('masking every text that leaves the system', () => {
  const logs: string[] = [];
  const prevSink = setLogSink({ write: (l) => logs.push(l) });
  setLogLevel('debug');
  afterAll(() => {
    setLogSink(prevSink);
    setLogLevel('info');
  });

  it('no mail, log line, --json line or stored outcome carries the ID or a sender mobile', async () => {
    const program = await testProgram();
    const h = await harness(program);
    const [a, b] = people(2, 90);
    const f4 = await fillForm4([a!, b!], '河北', 1, { program: h.program });
    // 附件5 only for the first person: the second row gets a finding, so the workbook comes back annotated.
    const f5 = await fillForm5Docx(a!, { program: h.program });
    const contact = await buildEmail({
      from: 'hbzxqy@163.com',
      subject: `报名材料 ref_${ID}`,
      messageId: `<ref_${ID}@test.example.cn>`,
      attachments: [
        { filename: `附件4_${ID}.xlsx`, content: f4 },
        { filename: `附件5-${a!.name}.docx`, content: f5 },
      ],
    });
    // A stranger whose mailbox is a mobile number: held, and the bureau's notice quotes sender and Message-ID.
    const stranger = await buildEmail({
      from: `${MOBILE}@139.com`,
      messageId: `<held_${ID}@test.example.cn>`,
      attachments: [
        {
          filename: `附件4_${ID}.xlsx`,
          content: await fillForm4(people(1, 91), '河北', 1, { program: h.program }),
        },
      ],
    });
    const since = Date.now() - 1000;
    const res = await h.cli([
      'ingest',
      '--received-at',
      IN_TIME,
      ...(await Promise.all(
        [contact.raw, stranger.raw].map(async (raw, i) => {
          const f = join(h.stateDir, `masking-${i}.eml`);
          await writeFile(f, raw);
          return f;
        }),
      )),
    ]);
    expect(res.code).toBe(0);
    const [answered, held] = res.json as { status: string; reply: { attachments: string[] } }[];
    expect(answered?.reply.attachments).toContain(`附件4_${MASKED_ID}-标注.xlsx`);
    expect(held?.status).toBe('held');

    // --json lines (and any other line the command printed)
    expect(res.stdout).not.toContain(ID);
    expect(res.stdout).toContain(`ref_${MASKED_ID}@test.example.cn`);
    // log lines
    expect(logs.length).toBeGreaterThan(0);
    for (const line of logs) expect(line).not.toContain(ID);

    // every mail sent for this harness, decoded: headers, subject, bodies, attachment names
    const outbox = localStackInfo().outboxDir;
    const mails = [];
    for (const name of await readdir(outbox)) {
      const raw = await readFile(join(outbox, name));
      const mail = await simpleParser(raw);
      if (mail.from?.value[0]?.address !== h.program.mailbox || (mail.date?.getTime() ?? 0) < since) continue;
      mails.push({ raw: raw.toString('latin1'), mail });
    }
    expect(mails.length).toBeGreaterThanOrEqual(3); // the receipt, the held notice to the sender, the bureau's notice
    for (const { raw, mail } of mails) {
      const texts = [
        raw,
        mail.subject ?? '',
        mail.text ?? '',
        typeof mail.html === 'string' ? mail.html : '',
        ...mail.attachments.map((x) => x.filename ?? ''),
        String(mail.headers.get('in-reply-to') ?? ''),
        JSON.stringify(mail.headers.get('references') ?? ''),
      ];
      for (const t of texts) expect(t).not.toContain(ID);
    }
    const notice = mails.find(
      (m) =>
        m.mail.subject?.includes('待确认') &&
        m.mail.to &&
        !Array.isArray(m.mail.to) &&
        m.mail.to.value.some((v) => v.address === 'admin@example.gov.cn'),
    );
    expect(notice?.mail.text).toContain(`held_${MASKED_ID}@test.example.cn`);
    expect(notice?.mail.text).toContain('138****5678@139.com');
    expect(notice?.mail.text).not.toContain(MOBILE);

    // stored outcomes, as DynamoDB holds them; the held email is found by the masked Message-ID it was given
    const scan = await documentClient(h.config).send(new ScanCommand({ TableName: h.config.tableName }));
    const records = (scan.Items ?? []).filter((i) => i.outcome !== undefined);
    expect(records).toHaveLength(2);
    for (const r of records) {
      const { to: _to, ...rest } = (r.outcome.reply ?? {}) as { to?: string[] };
      expect(JSON.stringify({ ...r, outcome: { ...r.outcome, reply: rest } })).not.toContain(ID);
      expect(JSON.stringify(r.heldReason ?? '')).not.toContain(MOBILE);
    }
    const approved = await h.cli(['approve', `held_${MASKED_ID}@test.example.cn`]);
    expect(approved.code).toBe(0);
  });
});
