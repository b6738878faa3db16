import { NOTICE_REGION_TABLE, NOTICE_REGIONS } from '@lingjun/program';
import { describe, expect, it } from 'vitest';

const resolveRegion = (text: string | undefined) => NOTICE_REGION_TABLE.resolve(text);
const name = (text: string) => resolveRegion(text)?.name;

describe('resolveRegion', () => {
  it('knows 37 regions, each by code, full name and every alias', () => {
    expect(NOTICE_REGIONS).toHaveLength(37);
    for (const r of NOTICE_REGIONS) {
      expect(resolveRegion(r.code)).toBe(r);
      expect(resolveRegion(r.name)).toBe(r);
      for (const alias of r.aliases) expect(resolveRegion(alias)).toBe(r);
    }
  });

  it('reads a department written after the region', () => {
    expect(name('河北省中小企业局')).toBe('河北省');
    expect(name('河北发改委')).toBe('河北省');
    expect(name('新疆生产建设兵团工信局')).toBe('新疆生产建设兵团');
    expect(name('内蒙古自治区工业和信息化厅')).toBe('内蒙古自治区');
  });

  it('gives a city with separate planning its own region when its province is written first', () => {
    expect(name('浙江省宁波市')).toBe('宁波市');
    expect(name('浙江省宁波市经济和信息化局')).toBe('宁波市');
    expect(name('辽宁省大连市中小企业服务局')).toBe('大连市');
    expect(name('广东深圳')).toBe('深圳市');
    expect(name('山东省青岛市')).toBe('青岛市');
    expect(name('福建省厦门市')).toBe('厦门市');
    // A city of another province is not taken for one with separate planning.
    expect(name('浙江省大连市')).toBe('浙江省');
    expect(name('浙江省杭州市')).toBe('浙江省');
  });

  it('reads a 计划单列市 noted in brackets after its province (spec §2: its own region)', () => {
    expect(name('辽宁省（大连市）')).toBe('大连市');
    expect(name('山东(青岛)')).toBe('青岛市');
    expect(name('辽宁省（青岛市）')).toBe('辽宁省');
    expect(name('辽宁省（盖章）')).toBe('辽宁省');
  });

  it('finds nothing in text that names no region', () => {
    expect(resolveRegion('')).toBeUndefined();
    expect(resolveRegion('某某公司')).toBeUndefined();
    expect(resolveRegion(undefined)).toBeUndefined();
  });
});
