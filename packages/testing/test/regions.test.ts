/** The made-up 370-region list of the ten-times bench is a valid program list, and people land inside it. */
import { readFile } from 'node:fs/promises';
import { parseProgram, programRegions } from '@lingjun/program';
import { usccDivision } from '@lingjun/rules';
import { describe, expect, it } from 'vitest';
import { generatePeople, syntheticRegions } from '../src/index.ts';

describe('syntheticRegions', () => {
  it('gives 370 regions a program accepts, with people whose credit codes lie in their own region', async () => {
    const data = JSON.parse(
      await readFile(new URL('../../../examples/program-2025.json', import.meta.url), 'utf8'),
    );
    data.regions = syntheticRegions(10);
    data.quotas = Object.fromEntries(data.regions.map((r: { code: string }) => [r.code, { total: 20 }]));
    data.contacts = {};
    const regions = programRegions(parseProgram(data));
    expect(regions.list).toHaveLength(370);
    expect(regions.resolve('河北省第10片区')?.code).toBe('135900');
    expect(regions.resolve('大连3区')?.code).toBe('210252');
    for (const region of regions.list) {
      const [p] = generatePeople(1, { seed: 3, regionCode: region.code, regions });
      expect(regions.containsDivision(region, usccDivision(p!.uscc))).toBe(true);
    }
  });
});
