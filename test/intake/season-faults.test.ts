/**
 * issue 14: a small intake season (first lists, a replacement list, a held stranger, a late list) run once
 * without faults for the reference, then again with a transient fault at every DynamoDB write and SES send
 * position of every email, each email retried as Lambda would until it ends. The faulted season must end with
 * the reference registrations and quota counters, one finished outcome per email and one reply per email.
 * Faults are injected with aws-sdk-client-mock on the real clients; every other call reaches the local stack.
 */

import { documentClient, sesClient, sesMailer } from '@lingjun/aws';
import { INTAKE_LEASE_MAX_MS } from '@lingjun/core';
import { type InboundRef, type IntakeDeps, type Outcome, processInbound } from '@lingjun/intake';
import { Registry, SendOnce } from '@lingjun/registry';
import { describe, expect, it } from 'vitest';
import { injectFaults, untilClean } from '../support/faults.ts';
import { type Harness, harness, storeInbound, testProgram } from '../support/intake.ts';
import { people, submission } from '../support/submission.ts';

const HEBEI = '130000';
const SHANXI = '140000';
const REGIONS = [HEBEI, SHANXI];

interface SeasonEmail {
  label: string;
  from: string;
  region: string;
  regionCode: string;
  classNo: number;
  seed: number;
  receivedAt: string;
}

/** In order of arrival; class 1 closes on 2025-06-09. */
const SEASON: SeasonEmail[] = [
  {
    label: 'hebei first list',
    from: 'hbzxqy@163.com',
    region: '河北',
    regionCode: HEBEI,
    classNo: 1,
    seed: 1401,
    receivedAt: '2025-06-05T02:00:00Z',
  },
  {
    label: 'shanxi first list',
    from: 'sxzxqy@163.com',
    region: '山西',
    regionCode: SHANXI,
    classNo: 2,
    seed: 1402,
    receivedAt: '2025-06-05T03:00:00Z',
  },
  {
    label: 'hebei replacement',
    from: 'hbzxqy@163.com',
    region: '河北',
    regionCode: HEBEI,
    classNo: 1,
    seed: 1403,
    receivedAt: '2025-06-06T02:00:00Z',
  },
  {
    label: 'stranger for hebei',
    from: 'stranger.season@126.com',
    region: '河北',
    regionCode: HEBEI,
    classNo: 2,
    seed: 1404,
    receivedAt: '2025-06-06T03:00:00Z',
  },
  {
    label: 'shanxi late list',
    from: 'sxzxqy@163.com',
    region: '山西',
    regionCode: SHANXI,
    classNo: 1,
    seed: 1405,
    receivedAt: '2025-06-12T02:00:00Z',
  },
];

interface Stored {
  email: SeasonEmail;
  ref: InboundRef;
  messageId: string;
}

/** Builds and stores the season's emails on a harness (same people, fresh Message-IDs). */
async function storeSeason(h: Harness): Promise<Stored[]> {
  const out: Stored[] = [];
  for (const email of SEASON) {
    const { raw, messageId } = await submission({
      program: h.program,
      from: email.from,
      region: email.region,
      classNo: email.classNo,
      people: people(2, email.seed, email.regionCode, email.classNo),
    });
    out.push({ email, messageId, ref: await storeInbound(h, raw, new Date(email.receivedAt)) });
  }
  return out;
}

/** What the season leaves behind, comparable across harnesses. */
async function endState(h: Harness, stored: Stored[]) {
  const registry = h.deps().registry;
  const registrations: string[] = [];
  const quota: Record<string, unknown> = {};
  for (const code of REGIONS) {
    for (const r of await registry.listRegion(code)) {
      registrations.push(`${r.region} ${r.classNo} ${r.personKey} ${r.status}`);
    }
    quota[code] = await registry.quotaUsed(code);
  }
  const messages = await registry.listMessages();
  const replies: Record<string, number> = {};
  for (const s of stored) replies[s.email.label] = (await h.repliesTo(s.messageId)).length;
  return {
    registrations: registrations.sort(),
    quota,
    messages: messages.map((m) => m.status).sort(),
    replies,
    bureauNotices: (await h.sentTo(h.program.adminEmails[0]!)).length,
  };
}

/** Deps on clients of their own whose writes and sends fail once at each position (see injectFaults). */
function faultyDeps(h: Harness) {
  const doc = documentClient(h.config);
  const ses = sesClient(h.config);
  const faults = injectFaults(doc, ses);
  const deps = (now: Date): IntakeDeps =>
    h.deps({
      registry: new Registry(doc, h.config.tableName, h.program.year),
      sendOnce: new SendOnce(doc, h.config.tableName),
      mailer: sesMailer(ses),
      now: () => now,
    });
  return { ...faults, deps };
}

describe('an intake season with a fault at every write and send', () => {
  it('ends with the reference registrations, quota counters, outcomes and one reply per email', async () => {
    const program = await testProgram();

    const ref = await harness(program);
    const refStored = await storeSeason(ref);
    const refOutcomes: Outcome['status'][] = [];
    for (const s of refStored) {
      const now = new Date(new Date(s.email.receivedAt).getTime() + 60_000);
      refOutcomes.push((await processInbound(s.ref, ref.deps({ now: () => now }))).status);
    }
    const reference = await endState(ref, refStored);
    // The season means something: both first lists, the replacement, a hold and a late refusal.
    expect(refOutcomes).toEqual(['accepted', 'accepted', 'accepted', 'held', 'rejected']);
    expect(reference.registrations.filter((r) => r.endsWith(' active'))).toHaveLength(4);
    expect(Object.values(reference.replies)).toEqual([1, 1, 1, 1, 1]);

    const h = await harness(program);
    const stored = await storeSeason(h);
    const f = faultyDeps(h);
    const positions: Record<string, number> = {};
    const outcomes: Outcome['status'][] = [];
    try {
      for (const s of stored) {
        let clock = new Date(s.email.receivedAt).getTime() + 60_000;
        const { result: outcome, positions: n } = await untilClean(f, s.email.label, async () => {
          // Lambda retries later: past any lease a failed attempt left behind (the claim's or a notice's).
          const at = new Date(clock);
          clock += INTAKE_LEASE_MAX_MS + 1;
          return processInbound(s.ref, f.deps(at));
        });
        positions[s.email.label] = n;
        outcomes.push(outcome.status);
        // A later delivery of the finished email changes nothing.
        expect((await processInbound(s.ref, f.deps(new Date(clock)))).status).toBe('duplicate');
      }
    } finally {
      f.restore();
    }
    const faulted = await endState(h, stored);
    expect(outcomes).toEqual(refOutcomes);
    expect(faulted).toEqual(reference);
    // Every write and send of every email was failed once, the handled notice marks included.
    for (const s of stored) expect(positions[s.email.label], s.email.label).toBeGreaterThan(2);
    expect(f.state.handled).toBe(1);
    console.info('season fault positions', positions, 'total', f.state.failed.size);
  }, 120_000);
});
