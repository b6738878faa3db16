import { NOTICE_REGION_TABLE } from '@lingjun/program';
import { checkIdAgainst, checkIdNumber, checkMobile, checkUscc, usccDivision } from '@lingjun/rules';
import { generatePeople } from '@lingjun/testing';
import { describe, expect, it } from 'vitest';

describe('generatePeople', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    expect(generatePeople(5, { seed: 7 })).toEqual(generatePeople(5, { seed: 7 }));
    expect(generatePeople(5, { seed: 7 })[0]).not.toEqual(generatePeople(5, { seed: 8 })[0]);
  });

  it.each(['130000', '210200', '440300', '660000', '650000'])(
    'gives valid, distinct, region-consistent people for %s',
    (regionCode) => {
      const people = generatePeople(150, { seed: 3, regionCode, classNo: (i) => 1 + (i % 3) });
      const region = NOTICE_REGION_TABLE.byCode(regionCode)!;
      for (const p of people) {
        const id = checkIdNumber(p.idNumber);
        expect(id).toEqual({ ok: true, value: p.idNumber });
        expect(checkIdAgainst(p.idNumber, p.birth, p.sex)).toEqual([]);
        expect(checkUscc(p.uscc)).toEqual({ ok: true, value: p.uscc });
        expect(checkMobile(p.mobile)).toEqual({ ok: true, value: p.mobile });
        if (regionCode !== '660000')
          expect(NOTICE_REGION_TABLE.containsDivision(region, usccDivision(p.uscc))).toBe(true);
      }
      expect(new Set(people.map((p) => p.idNumber)).size).toBe(150);
      expect(new Set(people.map((p) => p.uscc)).size).toBe(150);
      expect(new Set(people.map((p) => p.enterprise)).size).toBe(150);
      expect(new Set(people.map((p) => p.mobile)).size).toBe(150);
      expect(people.map((p) => p.classNo).slice(0, 4)).toEqual(['1', '2', '3', '1']);
    },
  );
});
