/**
 * issue 14: a small intake season (first lists, a replacement list, a held stranger, a late list) run once
 * without faults for the reference, then again with a transient fault at every DynamoDB write and SES send
 * position of every email, each email retried as Lambda would until it ends. The faulted season must end with
 * the reference registrations and quota counters, one finished outcome per email and one reply per email.
 * Faults are injected with aws-sdk-client-mock on the real clients; every other call reaches the local stack.
 */

import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import {
  BatchGetCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { documentClient, sesClient, sesMailer } from '@lingjun/aws';
import { INTAKE_LEASE_MAX_MS } from '@lingjun/core';
import { type InboundRef, type IntakeDeps, type Outcome, processInbound } from '@lingjun/intake';
import { Registry, SendOnce } from '@lingjun/registry';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
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

/** The mark of a sent notice: a failure is retried within the run rather than failing it. */
const HANDLED_IN_RUN = /^UpdateCommand .*SET #state = :sent/;

const WRITES = [PutCommand, UpdateCommand, TransactWriteCommand, DeleteCommand] as const;

/**
 * Which write or send a call is, the same on every attempt: the items it writes (key, and status or state
 * for the records that move through them), the update it makes, or who a mail goes to.
 */
function signature(name: string, input: Record<string, unknown>): string {
  const item = (i: Record<string, unknown> | undefined) =>
    i ? [i.pk, i.sk, i.status, i.state].filter((v) => v !== undefined).join('|') : '';
  const write = (w: Record<string, Record<string, unknown>>): string => {
    const [op, body] = Object.entries(w)[0] ?? ['', {}];
    return `${op}:${item(body.Item as Record<string, unknown>)}${item(body.Key as Record<string, unknown>)}${body.UpdateExpression ?? ''}`;
  };
  if (name === 'SendEmailCommand') return `${name} ${JSON.stringify(input.Destination)}`;
  if (name === 'TransactWriteCommand') {
    return `${name} ${(input.TransactItems as Record<string, Record<string, unknown>>[]).map(write).join(' ')}`;
  }
  return `${name} ${write({ [name]: input })}`;
}

/**
 * Deps whose DynamoDB writes and SES sends each fail once: on each attempt the first write or send not
 * failed before throws a transient error, as a throttle past the SDK's own retries would; the others go
 * through to the local stack. An attempt that meets no such call runs to its end.
 */
function faultyDeps(h: Harness) {
  const doc = documentClient(h.config);
  const realDoc = doc.send.bind(doc) as (c: unknown) => Promise<unknown>;
  const ses = sesClient(h.config);
  const realSes = ses.send.bind(ses);
  const state = { armed: false, hit: '', handled: 0, failed: new Set<string>() };
  const fault = (name: string, input: Record<string, unknown>) => {
    const sig = signature(name, input);
    if (!state.armed || state.failed.has(sig)) return;
    state.failed.add(sig);
    if (HANDLED_IN_RUN.test(sig)) {
      // Marking a sent notice is tried again in the run itself, which goes on: so may the next fault.
      state.handled++;
    } else {
      state.armed = false;
      state.hit = name;
    }
    if (name === 'SendEmailCommand') {
      throw Object.assign(new Error('Maximum sending rate exceeded'), { name: 'ThrottlingException' });
    }
    throw Object.assign(new Error('The level of configured provisioned throughput was exceeded'), {
      name: 'ProvisionedThroughputExceededException',
      $metadata: { httpStatusCode: 400 },
    });
  };
  const docMock = mockClient(doc);
  docMock.on(GetCommand).callsFake((input) => realDoc(new GetCommand(input)));
  docMock.on(QueryCommand).callsFake((input) => realDoc(new QueryCommand(input)));
  docMock.on(BatchGetCommand).callsFake((input) => realDoc(new BatchGetCommand(input)));
  for (const Command of WRITES) {
    const C = Command as typeof PutCommand;
    docMock.on(C).callsFake(async (input) => {
      fault(Command.name, input);
      return realDoc(new C(input));
    });
  }
  const sesMock = mockClient(ses);
  sesMock.on(SendEmailCommand).callsFake(async (input) => {
    fault('SendEmailCommand', input);
    return realSes(new SendEmailCommand(input));
  });
  const deps = (now: Date): IntakeDeps =>
    h.deps({
      registry: new Registry(doc, h.config.tableName, h.program.year),
      sendOnce: new SendOnce(doc, h.config.tableName),
      mailer: sesMailer(ses),
      now: () => now,
    });
  const restore = () => {
    docMock.restore();
    sesMock.restore();
  };
  return { state, deps, restore };
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
        let outcome: Outcome | undefined;
        const before = f.state.failed.size;
        // Each attempt fails at the first write or send no attempt failed at; one that meets none ends the email.
        for (let n = 1; !outcome; n++) {
          expect(n, `${s.email.label}: attempts`).toBeLessThan(100);
          f.state.armed = true;
          f.state.hit = '';
          let failure: unknown;
          try {
            outcome = await processInbound(s.ref, f.deps(new Date(clock)));
          } catch (err) {
            failure = err;
          }
          if (outcome) expect(f.state.hit, `${s.email.label}: fault at ${f.state.hit} swallowed`).toBe('');
          else expect(f.state.hit, `${s.email.label}: failed without its fault: ${failure}`).not.toBe('');
          // Lambda retries later: past any lease the failed attempt left behind (the claim's or a notice's).
          clock += INTAKE_LEASE_MAX_MS + 1;
        }
        positions[s.email.label] = f.state.failed.size - before;
        outcomes.push(outcome.status);
        // A later delivery of the finished email changes nothing.
        f.state.armed = false;
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
