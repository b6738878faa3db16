/**
 * The e2e I/O floor: the fewest DynamoDB, S3 and SES calls the semantics of one ingest need, built from the
 * writes a real ingest made (so the items and their sizes are the real ones) and executed against the same
 * local services. Per ingest of a submission that is accepted, by a cold function:
 *
 * 1. load the program: one GetItem of the pointer that carries the current version. A cold function holds no
 *    program, and the reads after it need it: the region comes from its regions and contacts, the counters
 *    and class versions read are its classes', the year is in every key. So it is a call of its own, before
 *    the batch read, not a key of it;
 * 2. claim the message: one conditional PutItem (attribute_not_exists), no read before it;
 * 3. read what the decisions depend on: one Query (the region's registrations, for resubmissions) and one
 *    BatchGetItem (every other item the ingest read: contacts, sender index, quota counters);
 * 4. store the reply's bytes (S3, before the outcome that promises them), then write every registration,
 *    enterprise and person marker, quota counter (one update per counter, by the submission's total,
 *    conditioned on the limit minus that total), contacts, submission marks and the message's outcome in
 *    TransactWriteItems of at most 100 actions: one for a typical submission of 30 students (3 items each + 2
 *    counters + a few). The outcome takes the reply's send in the same write (status sending, sendingAt, the
 *    send tag), conditioned on the claim's attempts, so an invocation that lost the message writes nothing
 *    and never sends, and no call of its own takes the send;
 * 5. send the reply: the SES call(s) the ingest made, as they were;
 * 6. mark the message done: one UpdateItem, or the ingest's own final transaction when it writes more with
 *    it (the reply remembered for bounces under the id SES returned, which exists only after the send).
 *
 * The ingest's reads may come as single Gets or as one BatchGetItem, its counter updates with their limit
 * (:limit) or with the limit minus the delta (:max), and a later transaction of a long list re-checks the
 * class version the first one moved: the floor reads all of these shapes, and a check of an item it writes
 * anyway is part of that write.
 *
 * S3 calls are kept as the ingest made them (storing the raw mail as the receipt rule would, reading it).
 * That is 6 DynamoDB calls for a typical submission, the ddb_calls_typical budget. A warm function holds the
 * program; it needs no read of it only if the records transaction checks that the version it holds is still
 * current, which the project does not do yet (so a warm ingest makes its version check: 6 too).
 */

/** A recorded or planned SDK call: the command class's name, its input, and which client sends it. */
export interface PlannedCall {
  kind: 'doc' | 'ddb' | 's3' | 'ses';
  command: string;
  input: Record<string, unknown>;
}

type Action = Record<string, Record<string, unknown>>;
type Key = { pk: string; sk: string };

const TABLE = '\u0000TABLE';

function keyOf(item: Record<string, unknown> | undefined): string | undefined {
  if (!item || typeof item.pk !== 'string') return undefined;
  return `${item.pk}|${String(item.sk ?? '')}`;
}

function isMessageKey(k: Record<string, unknown> | undefined): boolean {
  return typeof k?.pk === 'string' && k.pk.startsWith('MSG#');
}

/** The program's items (the CURRENT pointer and the versions) share this partition. */
function isProgramKey(k: Record<string, unknown> | undefined): boolean {
  return k?.pk === 'PROGRAM';
}

/** The message's record before its end: the outcome stored with the send taken, or not yet taken. */
const BEFORE_THE_END = new Set(['recorded', 'sending']);

/** The minimal plan for the calls of one recorded ingest (inputs with the table name as a placeholder). */
export function minimalPlan(recorded: PlannedCall[], maxActions = 100): PlannedCall[] {
  const table =
    (recorded.find((c) => typeof c.input.TableName === 'string')?.input.TableName as string) ?? TABLE;
  const actions = new Map<string, Action>();
  const counters = new Map<string, { key: Key; delta: number; limit: number | undefined }>();
  const getKeys = new Map<string, Key>();
  let query: Record<string, unknown> | undefined;
  let programRead = false;
  let claim: Record<string, unknown> | undefined;
  let message: Record<string, unknown> | undefined;
  let done: PlannedCall | undefined;
  const s3: PlannedCall[] = [];
  const ses: PlannedCall[] = [];

  const addAction = (a: Action) => {
    const [verb, body] = Object.entries(a)[0] ?? [];
    if (!verb || !body) return;
    const key = keyOf((body.Item ?? body.Key) as Record<string, unknown> | undefined);
    if (!key) return;
    if (
      verb === 'Update' &&
      typeof body.UpdateExpression === 'string' &&
      /^ADD used :d$/.test(body.UpdateExpression)
    ) {
      const values = (body.ExpressionAttributeValues ?? {}) as Record<string, number>;
      // The limit as the per-student update gave it (:limit), or as a batched one does (:max = limit − delta).
      const limit =
        values[':limit'] ??
        (values[':max'] !== undefined ? values[':max'] + Number(values[':d'] ?? 0) : undefined);
      const c = counters.get(key) ?? { key: body.Key as Key, delta: 0, limit };
      c.delta += Number(values[':d'] ?? 0);
      if (limit !== undefined) c.limit = Math.min(c.limit ?? limit, limit);
      counters.set(key, c);
      return;
    }
    // A check of an item the plan writes anyway (a later transaction's check of the class version the
    // first one moved) is part of that write in one transaction.
    if (verb === 'ConditionCheck' && actions.has(key)) return;
    actions.set(key, a);
  };

  for (const c of recorded) {
    if (c.kind === 's3') s3.push(c);
    else if (c.kind === 'ses') ses.push(c);
    else if (c.command === 'TransactWriteCommand') {
      const acts = (c.input.TransactItems ?? []) as Action[];
      // The message's final save with what it writes along (the sent reply remembered for bounces, by the
      // id SES returned): after the send, so it stays the last call, as the ingest made it.
      const final = acts.find((a) => {
        const item = a.Put?.Item as Record<string, unknown> | undefined;
        return isMessageKey(item) && !BEFORE_THE_END.has(String(item?.status));
      });
      if (final) {
        done = { kind: 'doc', command: 'TransactWriteCommand', input: { TransactItems: acts } };
        continue;
      }
      for (const a of acts) {
        const item = a.Put?.Item as Record<string, unknown> | undefined;
        // The message's outcome in the records transaction: planned below, with the send taken.
        if (isMessageKey(item)) message ??= item;
        else addAction(a);
      }
    } else if (c.command === 'PutCommand') {
      const item = c.input.Item as Record<string, unknown>;
      if (isMessageKey(item)) {
        if (!claim) claim = c.input;
        else message ??= item;
      } else addAction({ Put: { TableName: table, Item: item } });
    } else if (c.command === 'UpdateCommand' || c.command === 'DeleteCommand') {
      if (isMessageKey(c.input.Key as Record<string, unknown>)) continue;
      const { TableName: _t, ReturnValues: _r, ...body } = c.input;
      addAction({ [c.command === 'UpdateCommand' ? 'Update' : 'Delete']: { TableName: table, ...body } });
    } else if (c.command === 'GetCommand') {
      const key = c.input.Key as Key;
      if (isProgramKey(key)) programRead = true;
      else if (!isMessageKey(key)) getKeys.set(keyOf(key as never) ?? '', key);
    } else if (c.command === 'BatchGetCommand') {
      const requests = (c.input.RequestItems ?? {}) as Record<string, { Keys?: Key[] }>;
      for (const req of Object.values(requests)) {
        for (const key of req.Keys ?? []) if (!isMessageKey(key)) getKeys.set(keyOf(key as never) ?? '', key);
      }
    } else if (c.command === 'QueryCommand') {
      query ??= c.input;
    }
  }
  for (const { key, delta, limit } of counters.values()) {
    getKeys.set(keyOf(key as never) ?? '', key);
    actions.set(keyOf(key as never) ?? '', {
      Update: {
        TableName: table,
        Key: key,
        UpdateExpression: 'ADD used :d',
        ...(limit !== undefined
          ? {
              ConditionExpression: 'attribute_not_exists(used) OR used <= :max',
              ExpressionAttributeValues: { ':d': delta, ':max': limit - delta },
            }
          : { ExpressionAttributeValues: { ':d': delta } }),
      },
    });
  }
  const claimItem = claim?.Item as Record<string, unknown> | undefined;
  const messageKey = claimItem ? { pk: claimItem.pk, sk: claimItem.sk } : undefined;
  if (message && messageKey) {
    // The outcome takes the reply's send in the same write, on the claim: no call of its own for the take.
    actions.set(keyOf(message) ?? 'MSG', {
      Put: {
        TableName: table,
        Item: { ...message, status: 'sending', sendingAt: new Date().toISOString(), sendTag: 'reply' },
        ConditionExpression: 'attempts = :a',
        ExpressionAttributeValues: { ':a': claimItem?.attempts ?? 1 },
      },
    });
  }

  const plan: PlannedCall[] = [];
  const [firstS3, ...restS3] = s3;
  // The raw mail is stored (receipt rule) and read before anything else; the reply's bytes are stored
  // before the outcome that promises them.
  if (firstS3) plan.push(firstS3);
  const reads = restS3.filter((c) => c.command === 'GetObjectCommand');
  plan.push(...reads);
  if (programRead) {
    plan.push({
      kind: 'doc',
      command: 'GetCommand',
      input: { TableName: table, Key: { pk: 'PROGRAM', sk: 'CURRENT' }, ConsistentRead: true },
    });
  }
  if (claim) plan.push({ kind: 'doc', command: 'PutCommand', input: claim });
  if (query) plan.push({ kind: 'doc', command: 'QueryCommand', input: query });
  if (getKeys.size > 0) {
    plan.push({
      kind: 'doc',
      command: 'BatchGetCommand',
      input: { RequestItems: { [table]: { Keys: [...getKeys.values()], ConsistentRead: true } } },
    });
  }
  plan.push(...restS3.filter((c) => c.command !== 'GetObjectCommand'));
  const all = [...actions.values()];
  for (let i = 0; i < all.length; i += maxActions) {
    plan.push({
      kind: 'doc',
      command: 'TransactWriteCommand',
      input: { TransactItems: all.slice(i, i + maxActions) },
    });
  }
  plan.push(...ses);
  if (done) plan.push(done);
  else if (messageKey) {
    plan.push({
      kind: 'doc',
      command: 'UpdateCommand',
      input: {
        TableName: table,
        Key: messageKey,
        UpdateExpression: 'SET #s = :done',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':done': 'done' },
      },
    });
  }
  return plan;
}

/** DynamoDB calls in a plan. */
export function dynamoCalls(plan: PlannedCall[]): number {
  return plan.filter((c) => c.kind === 'doc' || c.kind === 'ddb').length;
}
