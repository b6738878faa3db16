/** A program may declare its own regions (spec §1-2); without a list it has the notice's 37. */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  describeProgramChanges,
  NOTICE_REGION_TABLE,
  type ProgramError,
  parseProgram,
  programRegions,
} from '../src/index.ts';

const example = join(resolve(import.meta.dirname, '../../..'), 'examples/program-2025.json');
let base: Record<string, unknown>;

beforeAll(async () => {
  base = JSON.parse(await readFile(example, 'utf8'));
});

/** The example program with a change applied. */
function program(change: (p: Record<string, unknown>) => void) {
  const data = structuredClone(base);
  change(data);
  return data;
}

const DECLARED = [
  { code: '130100', name: '石家庄市', aliases: ['石家庄'] },
  { code: '130200', name: '唐山市' },
  { code: '990000', name: '示例兵团', aliases: ['示例'], divisions: [] },
];

function declared(p: Record<string, unknown>) {
  p.regions = structuredClone(DECLARED);
  p.quotas = { '130100': { total: 10, perClass: { '1': 4 } }, '130200': { total: 6 } };
  p.contacts = { '130100': ['sjz@example.cn'] };
}

/** The problems parseProgram reports, as path → message. */
function problems(data: unknown): Record<string, string> {
  try {
    parseProgram(data, 'p.json');
  } catch (e) {
    return Object.fromEntries((e as ProgramError).issues.map((i) => [i.path, i.message]));
  }
  throw new Error('parsed without problems');
}

describe('declared regions', () => {
  it('a program without a list has the notice’s 37, and a quota for a code outside them is refused', () => {
    const p = parseProgram(base);
    expect(p.regions).toBeUndefined();
    expect(programRegions(p)).toBe(NOTICE_REGION_TABLE);
    expect(programRegions(p).list).toHaveLength(37);
    const bad = problems(program((d) => ((d.quotas as Record<string, unknown>)['990000'] = { total: 1 })));
    expect(bad['quotas.990000']).toBe('不是37个报送地区之一的代码');
  });

  it('a declared list replaces the 37: its codes, names and short names resolve, the notice’s do not', () => {
    const p = parseProgram(program(declared));
    const regions = programRegions(p);
    expect(regions.list.map((r) => r.code)).toEqual(['130100', '130200', '990000']);
    expect(regions.resolve('石家庄')?.code).toBe('130100');
    expect(regions.resolve('唐山市工业和信息化局')?.code).toBe('130200');
    expect(regions.resolve('130200')?.name).toBe('唐山市');
    expect(regions.resolve('河北省')).toBeUndefined();
    expect(regions.byCode('130000')).toBeUndefined();
    expect(regions.byCode('130200')?.aliases).toEqual([]);
    // One table per list: every lookup of the same program shares it.
    expect(programRegions(p)).toBe(regions);
    expect(regions.unknown('河北省')).toBe(
      '“河北省”不是3个报送地区之一，请填写本年度计划所列地区的规范名称，如“石家庄市”。',
    );
  });

  it('places credit-code divisions by the declared regions (default: the code without trailing 00 pairs)', () => {
    const regions = programRegions(parseProgram(program(declared)));
    const sjz = regions.byCode('130100')!;
    expect(regions.ofDivision('130102')?.code).toBe('130100');
    expect(regions.ofDivision('130203')?.code).toBe('130200');
    expect(regions.ofDivision('130302')).toBeUndefined();
    expect(regions.containsDivision(sjz, '130105')).toBe(true);
    expect(regions.containsDivision(sjz, '130205')).toBe(false);
    // divisions: [] is a region whose enterprises may be registered anywhere: no division is its.
    expect(regions.ofDivision('990001')).toBeUndefined();
  });

  it('refuses, in Chinese and by path, a duplicate code, a name used twice and a quota or contact for an undeclared region', () => {
    const bad = problems(
      program((d) => {
        declared(d);
        (d.regions as unknown[]).push(
          { code: '130100', name: '雄安新区' },
          { code: '139900', name: '保定市', aliases: ['石家庄'] },
        );
        (d.quotas as Record<string, unknown>)['130000'] = { total: 3 };
        (d.contacts as Record<string, unknown>)['140000'] = ['sx@example.cn'];
      }),
    );
    expect(bad['regions[3].code']).toBe('地区代码 130100 重复（第1个地区“石家庄市”已用此代码）');
    expect(bad['regions[4].aliases[0]']).toBe(
      '名称“石家庄”已是第1个地区“石家庄市”的名称或简称，一个名称只能对应一个地区',
    );
    expect(bad['quotas.130000']).toBe(
      '地区代码 130000 不在本计划的地区列表（regions）中，请先在 regions 中列出该地区',
    );
    expect(bad['contacts.140000']).toContain('不在本计划的地区列表');
  });

  it('refuses a malformed region entry and an empty list', () => {
    const bad = problems(
      program((d) => {
        d.regions = [
          { code: '1301', name: '' },
          { code: '130200', name: '唐山市', divisions: ['13a'] },
        ];
        d.quotas = {};
        d.contacts = {};
      }),
    );
    expect(bad['regions[0].code']).toBe('地区代码应为6位数字（行政区划代码）');
    expect(bad['regions[0].name']).toBe('地区名称不能为空');
    expect(bad['regions[1].divisions[0]']).toBe('行政区划代码前缀应为1至6位数字');
    const empty = problems(
      program((d) => {
        d.regions = [];
      }),
    );
    expect(empty.regions).toContain('地区列表不能为空');
  });

  it('names regions added or removed between two versions, and names quota changes by the newer list', () => {
    const before = parseProgram(program(declared));
    const after = parseProgram(
      program((d) => {
        declared(d);
        (d.regions as unknown[]).push({ code: '139900', name: '雄安新区' });
        (d.quotas as Record<string, unknown>)['139900'] = { total: 2 };
      }),
    );
    expect(describeProgramChanges(before, after)).toEqual([
      '新增地区：139900 雄安新区',
      '雄安新区名额：未设 → 2',
    ]);
  });
});
