import { NOTICE_REGIONS, type Region } from '@lingjun/program';

/**
 * A made-up region list of `perRegion` × 37 regions (a ministry-wide program): each of the notice's regions split
 * into districts, 河北省第1片区 (河北1区) …, coded inside their region's division codes so generated credit
 * codes and ID numbers stay consistent with the region: a province's districts are XX50YY → XX5j00 (its
 * divisions XX5j), a 计划单列市's XXYY5j (its own code). Test data only: no such regions exist.
 */
export function syntheticRegions(perRegion = 10): Region[] {
  if (perRegion < 1 || perRegion > 10) throw new RangeError('perRegion: 1 to 10');
  return NOTICE_REGIONS.flatMap((base) =>
    Array.from({ length: perRegion }, (_, j): Region => {
      const code = base.separatePlanning
        ? `${base.code.slice(0, 4)}${50 + j}`
        : `${base.code.slice(0, 2)}${50 + j}00`;
      const short = base.aliases[0] ?? base.name;
      return { code, name: `${base.name}第${j + 1}片区`, aliases: [`${short}${j + 1}区`] };
    }),
  );
}
