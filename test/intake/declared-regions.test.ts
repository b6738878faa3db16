/**
 * A program that declares its own regions (spec §1-2): intake resolves 填报地区 and the sender against the
 * program's list, not the notice's 37.
 */
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { harness, testProgram } from '../support/intake.ts';
import { people, submission } from '../support/submission.ts';

const IN_TIME = '2025-06-05T10:00:00+08:00';
const CONTACT = 'xiongan@example.cn';

/** The example program with two declared regions: a made-up 雄安新区 with a quota and a contact, and 河北省. */
function declaredProgram() {
  return testProgram((p) => {
    p.regions = [
      { code: '139900', name: '雄安新区', aliases: ['雄安'] },
      { code: '130000', name: '河北省', aliases: ['河北'] },
    ];
    p.quotas = { '139900': { total: 5 }, '130000': { total: 5 } };
    p.contacts = { '139900': [CONTACT] };
  });
}

describe('a program with declared regions', () => {
  it('answers mail from a declared region’s contact as that region', async () => {
    const program = await declaredProgram();
    const h = await harness(program);
    const { raw, messageId } = await submission({
      program,
      from: CONTACT,
      region: '雄安',
      classNo: 1,
      people: people(2, 71, '139900'),
    });
    const [o] = await h.ingest([raw], { receivedAt: IN_TIME });
    expect(o?.status).toBe('accepted');
    expect(o?.region).toEqual({ code: '139900', name: '雄安新区' });
    expect(o?.classes).toEqual([{ no: 1, accepted: 2, rejected: 0, withdrawn: 0 }]);
    // Credit codes inside the region's divisions (1399…) raise no region warning.
    expect(o?.findings.map((f) => f.code)).not.toContain('ENTERPRISE_REGION_MISMATCH');
    const active = (await h.deps().registry.listRegion('139900')).filter((r) => r.status === 'active');
    expect(active).toHaveLength(2);
    const [reply] = await h.repliesTo(messageId);
    expect((await simpleParser(reply!)).subject).toContain('雄安新区');
  });

  it('refuses a region of the notice the program does not declare, saying how many regions there are', async () => {
    const program = await declaredProgram();
    const h = await harness(program);
    const { raw } = await submission({
      program,
      from: CONTACT,
      region: '北京市',
      classNo: 1,
      people: people(1, 72, '110000'),
    });
    const [o] = await h.ingest([raw], { receivedAt: IN_TIME });
    expect(o?.status).toBe('rejected');
    const unknown = o?.findings.find((f) => f.code === 'UNKNOWN_REGION');
    expect(unknown?.message).toContain('“北京市”不是2个报送地区之一');
    expect(unknown?.message).toContain('雄安新区');
  });
});
