/**
 * The bench's own pure helpers: floors, ratio stability, the minimum over ratios, the minimal I/O plan and
 * call counting (against DynamoDB Local, through the counting middleware on the real client). No timings.
 */
import { randomBytes } from 'node:crypto';
import { CreateTableCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, dynamoDbClient } from '@lingjun/aws';
import { createTableInput } from '@lingjun/registry';
import { strFromU8, strToU8, unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { countCalls, operationOf, serviceOf, tally } from '../../bench/calls.ts';
import { duplicatesOf, overrun, withRedeliveries } from '../../bench/cases/burst.ts';
import {
  crc32,
  crc32Js,
  DOCX_READ,
  mimeAttachments,
  minRatioToFloor,
  packPart,
  partsRead,
  tagScan,
  XLSX_READ,
  zipParts,
  zipPrecompressed,
} from '../../bench/floors.ts';
import { dynamoCalls, minimalPlan, type PlannedCall } from '../../bench/io-floor.ts';
import { halvesDiff, quickPlan, ratioStability } from '../../bench/measure.ts';
import { localAws } from '../setup/aws.ts';
import { buildEmail } from '../support/email.ts';

describe('floors', () => {
  it('reads only the parts a workbook or Word reader opens', () => {
    expect(partsRead(['[Content_Types].xml', 'xl/workbook.xml', 'xl/theme/theme1.xml'])).toBe(XLSX_READ);
    expect(partsRead(['word/document.xml'])).toBe(DOCX_READ);
    expect(partsRead(['a.xlsx', 'b.docx'])).toBeUndefined();
    expect(XLSX_READ.test('xl/worksheets/sheet1.xml')).toBe(true);
    expect(XLSX_READ.test('xl/theme/theme1.xml')).toBe(false);
    expect(XLSX_READ.test('docProps/app.xml')).toBe(false);
    expect(DOCX_READ.test('word/styles.xml')).toBe(false);
  });

  it('counts tags in one scan', () => {
    expect(tagScan('<a><b x="1"/>t</a>')).toBe(3);
  });

  it('finds and decodes the base64 attachments of a MIME message', async () => {
    const content = randomBytes(5000);
    const { raw } = await buildEmail({
      from: 'a@example.cn',
      attachments: [{ filename: '附件4.xlsx', content }],
      messageId: '<floor@example.cn>',
    });
    const parts = mimeAttachments(raw);
    expect(parts).toHaveLength(1);
    expect(parts[0]!.equals(content)).toBe(true);
  });

  it('writes a zip of precompressed parts that unzips to the same parts', () => {
    const doc = strToU8('<w:document>学员</w:document>'.repeat(50));
    const png = randomBytes(300);
    const zip = zipPrecompressed([
      packPart('word/document.xml', doc, 8),
      packPart('word/media/qr.png', png, 0),
    ]);
    const back = unzipSync(zip);
    expect(strFromU8(back['word/document.xml']!)).toBe(strFromU8(doc));
    expect(Buffer.from(back['word/media/qr.png']!).equals(png)).toBe(true);
    expect(zipParts(Buffer.from(zip)).map((p) => [p.name, p.method])).toEqual([
      ['word/document.xml', 8],
      ['word/media/qr.png', 0],
    ]);
  });

  it('lists the parts of a zip from its central directory', () => {
    const zip = Buffer.from(zipSync({ 'a.xml': strToU8('<a/>'), 'b/c.xml': strToU8('<c/>') }));
    expect(zipParts(zip).map((p) => p.name)).toEqual(['a.xml', 'b/c.xml']);
  });

  it('computes CRC-32 as zip stores it', () => {
    const bytes = strToU8('123456789');
    expect(crc32Js(bytes)).toBe(0xcbf43926);
    expect(crc32(bytes)).toBe(0xcbf43926);
  });
});

describe('ratios', () => {
  it('takes the smallest measured ratio and says where', () => {
    expect(minRatioToFloor({ 'intake:typical': 1.8, 'legacy:doc': 0.9, 'xlsx:form4-30': null })).toEqual({
      min: 0.9,
      at: 'legacy:doc',
    });
    expect(minRatioToFloor({ a: null })).toEqual({ min: null, at: null });
  });

  it('gives a ratio over each half of the rounds and how far they differ', () => {
    const s = ratioStability({ median_ms: 20, halves_ms: [18, 22] }, { median_ms: 10, halves_ms: [10, 10] });
    expect(s.ratio).toBe(2);
    expect(s.halves).toEqual([1.8, 2.2]);
    expect(s.diff).toBe(0.2);
  });

  it('compares the even and odd rounds of one candidate', () => {
    expect(halvesDiff([10, 10, 10, 10])).toBe(0);
    expect(halvesDiff([10, 30, 10, 30])).toBe(1);
    expect(halvesDiff([10])).toBe(Number.POSITIVE_INFINITY);
  });

  it('cuts a plan to a few rounds for --quick', () => {
    expect(quickPlan({ warmup: 3, minRuns: 11, maxRuns: 60, maxMs: 20_000 })).toEqual({
      warmup: 1,
      minRuns: 4,
      maxRuns: 4,
      maxMs: 0,
    });
  });
});

describe('burst checks', () => {
  it('delivers the picked emails twice, right after themselves', () => {
    expect(withRedeliveries(['a', 'b', 'c'], (i) => i !== 1)).toEqual(['a', 'a', 'b', 'c', 'c']);
  });

  it('counts places over quota and duplicate holders', () => {
    expect(overrun(21, 20)).toBe(1);
    expect(overrun(3, 20)).toBe(0);
    expect(
      duplicatesOf([
        { uscc: 'U1', personKey: 'P1' },
        { uscc: 'U1', personKey: 'P2' },
        { uscc: 'U2', personKey: 'P2' },
      ]),
    ).toBe(2);
  });
});

describe('minimal I/O plan', () => {
  const T = '\u0000TABLE';
  const student = (i: number): PlannedCall => ({
    kind: 'doc',
    command: 'TransactWriteCommand',
    input: {
      TransactItems: [
        { Put: { TableName: T, Item: { pk: 'Y#2025#R#130000', sk: `C#01#P#${i}` } } },
        { Put: { TableName: T, Item: { pk: `Y#2025#ENT#${i}`, sk: '-' } } },
        { Put: { TableName: T, Item: { pk: `Y#2025#PER#${i}`, sk: '-' } } },
        {
          Update: {
            TableName: T,
            Key: { pk: 'Y#2025#Q#130000', sk: 'TOTAL' },
            UpdateExpression: 'ADD used :d',
            ConditionExpression: 'attribute_not_exists(used) OR used < :limit',
            ExpressionAttributeValues: { ':d': 1, ':limit': 100 },
          },
        },
        {
          Update: {
            TableName: T,
            Key: { pk: 'Y#2025#Q#130000', sk: 'C#01' },
            UpdateExpression: 'ADD used :d',
            ExpressionAttributeValues: { ':d': 1 },
          },
        },
      ],
    },
  });
  const message = (status: string): PlannedCall => ({
    kind: 'doc',
    command: 'PutCommand',
    input: { TableName: T, Item: { pk: 'MSG#m1', sk: '-', status, attempts: 1 } },
  });
  const recorded: PlannedCall[] = [
    { kind: 's3', command: 'PutObjectCommand', input: { Key: 'inbound/m1' } },
    { kind: 's3', command: 'GetObjectCommand', input: { Key: 'inbound/m1' } },
    { kind: 'doc', command: 'GetCommand', input: { TableName: T, Key: { pk: 'MSG#m1', sk: '-' } } },
    // A cold function loads the program: the pointer, and (an old table's) the version it names.
    { kind: 'doc', command: 'GetCommand', input: { TableName: T, Key: { pk: 'PROGRAM', sk: 'CURRENT' } } },
    { kind: 'doc', command: 'GetCommand', input: { TableName: T, Key: { pk: 'PROGRAM', sk: 'V#000001' } } },
    message('processing'),
    { kind: 'doc', command: 'QueryCommand', input: { TableName: T, KeyConditionExpression: 'pk = :pk' } },
    {
      kind: 'doc',
      command: 'GetCommand',
      input: { TableName: T, Key: { pk: 'Y#2025#G#130000', sk: 'CONTACTS' } },
    },
    ...Array.from({ length: 30 }, (_, i) => student(i)),
    message('done'),
    { kind: 'ses', command: 'SendEmailCommand', input: {} },
  ];

  it('needs six DynamoDB calls for a submission of 30 students', () => {
    const plan = minimalPlan(recorded);
    expect(dynamoCalls(plan)).toBe(6);
    const tx = plan.filter((c) => c.command === 'TransactWriteCommand');
    expect(tx).toHaveLength(1);
    // 30 × 3 items, 2 counters, the message's outcome.
    const items = tx[0]!.input.TransactItems as Record<
      string,
      { ExpressionAttributeValues?: Record<string, number> }
    >[];
    expect(items).toHaveLength(93);
    const total = items.find((a) => a.Update && (a.Update as { Key: { sk: string } }).Key.sk === 'TOTAL');
    expect(total?.Update?.ExpressionAttributeValues).toEqual({ ':d': 30, ':max': 70 });
    // The outcome takes the reply's send in the transaction, on the claim.
    const outcome = items.find(
      (a) => (a.Put as { Item?: { pk?: string } } | undefined)?.Item?.pk === 'MSG#m1',
    );
    expect(outcome?.Put).toMatchObject({
      Item: { status: 'sending', sendTag: 'reply' },
      ConditionExpression: 'attempts = :a',
    });
    expect(plan.map((c) => c.command)).toEqual([
      'PutObjectCommand',
      'GetObjectCommand',
      'GetCommand',
      'PutCommand',
      'QueryCommand',
      'BatchGetCommand',
      'TransactWriteCommand',
      'SendEmailCommand',
      'UpdateCommand',
    ]);
    // The program is one read of the pointer, not folded into the batch read whose keys depend on it.
    expect(plan[2]?.input.Key).toEqual({ pk: 'PROGRAM', sk: 'CURRENT' });
  });

  it('splits the writes by the limit of 100 actions', () => {
    const many = [
      message('processing'),
      ...Array.from({ length: 40 }, (_, i) => student(i)),
      message('done'),
    ];
    const plan = minimalPlan(many);
    // 40 × 3 + 2 counters + message = 123 actions: two transactions.
    expect(plan.filter((c) => c.command === 'TransactWriteCommand')).toHaveLength(2);
  });
});

describe('call counting', () => {
  it('names services and operations as the SDK does', () => {
    expect(serviceOf('DynamoDBClient')).toBe('dynamodb');
    expect(serviceOf('S3Client')).toBe('s3');
    expect(serviceOf('SESv2Client')).toBe('ses');
    expect(operationOf('TransactWriteItemsCommand')).toBe('TransactWriteItems');
    expect(tally([{ service: 'dynamodb', operation: 'PutItem' }]).byService).toEqual({ dynamodb: 1 });
  });

  it('counts each call of the real document client once, against DynamoDB Local', async () => {
    const config = { ...localAws(), tableName: `bench-count-${Date.now()}` };
    const admin = dynamoDbClient(config);
    await admin.send(new CreateTableCommand(createTableInput(config.tableName)));
    const counter = countCalls();
    try {
      const db = documentClient(config);
      await db.send(new PutCommand({ TableName: config.tableName, Item: { pk: 'a', sk: '-' } }));
      const got = await db.send(new GetCommand({ TableName: config.tableName, Key: { pk: 'a', sk: '-' } }));
      expect(got.Item?.pk).toBe('a');
    } finally {
      counter.stop();
      await admin.send(new DeleteTableCommand({ TableName: config.tableName }));
      admin.destroy();
    }
    expect(tally(counter.calls).byOperation).toEqual({ 'dynamodb:PutItem': 1, 'dynamodb:GetItem': 1 });
  });
});

describe('per-ingest DynamoDB count', () => {
  it('leaves table management out', async () => {
    const { dynamoDataCalls } = await import('../../bench/calls.ts');
    expect(
      dynamoDataCalls([
        { service: 'dynamodb', operation: 'ListTables' },
        { service: 'dynamodb', operation: 'CreateTable' },
        { service: 'dynamodb', operation: 'TransactWriteItems' },
        { service: 's3', operation: 'GetObject' },
      ]),
    ).toBe(1);
  });
});
