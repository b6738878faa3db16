/**
 * 附件2, the quota table: one region per row, its places in a 名额/合计 column and optionally one column per
 * class. A Word table of 37 regions is often laid out as two blocks side by side (序号 地区 名额 序号 地区 名额);
 * each block is read as a table of its own.
 */
import { basename } from 'node:path';
import type { CellValue } from '@lingjun/forms';
import { parseClassNo, type RegionTable } from '@lingjun/program';
import { findHeader, readTables, rowLabel } from './table.ts';
import { ImportError, type QuotaEntry } from './types.ts';
import { cellText, isTotalsRow, parseCount } from './values.ts';

const H_REGION = /^(地区|省份|省市|省|单位|地方|报送地区|填报地区|省区市|省区市及计划单列市)$/;
const H_TOTAL = /^(名额|合计|总名额|名额合计|名额数|人数|总计|分配名额|名额分配)$/;

function perClassNo(key: string): number | undefined {
  if (!key || H_TOTAL.test(key)) return undefined;
  return parseClassNo(key.replace(/名额$/, ''));
}

/** One block of columns: where its region and total sit and which columns count places per class. */
interface Block {
  from: number;
  to: number;
  region: number;
  total: number;
  classes: { c: number; no: number }[];
}

/**
 * Splits the header into blocks, one per 地区 column: a column of places (名额, 合计, 第N期) belongs to the 地区
 * on its left, any other column (序号) to the 地区 on its right, so 序号 地区 名额 序号 地区 名额 and
 * 序号 地区 名额 地区 名额 both split where they should.
 */
function blocksOf(keys: string[]): Block[] {
  const regions = keys.flatMap((k, c) => (H_REGION.test(k) ? [c] : []));
  const isPlaces = (k: string) => H_TOTAL.test(k) || perClassNo(k) !== undefined;
  const owner = keys.map((k, c) => {
    if (isPlaces(k))
      return Math.max(
        0,
        regions.findLastIndex((r) => r < c),
      );
    const right = regions.findIndex((r) => r >= c);
    return right < 0 ? regions.length - 1 : right;
  });
  return regions.map((region, i) => {
    const cols = owner.flatMap((o, c) => (o === i ? [c] : []));
    const total = cols.find((c) => H_TOTAL.test(keys[c]!)) ?? -1;
    const classes = cols
      .filter((c) => c !== region && c !== total)
      .map((c) => ({ c, no: perClassNo(keys[c]!) }))
      .filter((x): x is { c: number; no: number } => x.no !== undefined);
    // The last block runs to the end of the row, notes written beyond the header included.
    const to = i === regions.length - 1 ? Number.POSITIVE_INFINITY : Math.max(...cols) + 1;
    return { from: Math.min(...cols), to, region, total, classes };
  });
}

/**
 * Reads 附件2 from a workbook or a Word table: one region per row (地区, 名额/合计, optionally 第N期 columns),
 * each named as one of the program's regions.
 */
export async function readQuotas(
  file: string,
  regions: RegionTable,
): Promise<{ entries: QuotaEntry[]; warnings: string[] }> {
  const grids = await readTables(file);
  const found = findHeader(grids, [H_REGION], (k) => H_TOTAL.test(k) || perClassNo(k) !== undefined);
  if (!found) throw new ImportError(`${basename(file)}：找不到表头（需要 地区 列）`);
  const { grid, dataStart, keys } = found;
  const blocks = blocksOf(keys);
  if (blocks.some((b) => b.total < 0 && b.classes.length === 0)) {
    throw new ImportError(`${basename(file)}：找不到名额列（名额、合计，或 第1期 … 各期名额）`);
  }
  const entries: QuotaEntry[] = [];
  const problems: string[] = [];
  const warnings: string[] = [];
  let statedGrandTotal: number | undefined;
  for (const raw of grid.rows.slice(dataStart)) {
    const where = rowLabel(file, grid, raw);
    for (const block of blocks) {
      const cells: CellValue[] = raw.cells.slice(block.from, block.to);
      const at = (c: number) => raw.cells[c];
      const regionText = cellText(at(block.region)).replace(/\s+/g, '');
      const total = block.total >= 0 ? parseCount(at(block.total)) : undefined;
      // The totals row often writes 合计 in the merged 序号 column rather than under 地区.
      if (isTotalsRow(cells)) {
        if (typeof total === 'number') statedGrandTotal = total;
        continue;
      }
      const counts = block.classes.map(({ c, no }) => ({ no, n: parseCount(at(c)) }));
      if (!regionText) {
        if (total !== undefined || counts.some((x) => x.n !== undefined))
          problems.push(`${where}：有名额但地区为空`);
        continue;
      }
      const region = regions.resolve(regionText);
      if (!region) {
        // Notes under the table (注：…, 备注) are not regions; anything else with numbers is a typo to fix.
        if (total === undefined && counts.every((x) => x.n === undefined)) continue;
        problems.push(`${where}：地区“${regionText}”不是${regions.list.length}个报送地区之一`);
        continue;
      }
      if (total === 'bad' || counts.some((x) => x.n === 'bad')) {
        problems.push(`${where}：${region.name} 的名额不是非负整数`);
        continue;
      }
      const perClass: Record<string, number> = {};
      for (const { no, n } of counts) if (typeof n === 'number') perClass[String(no)] = n;
      const sum = Object.values(perClass).reduce((a, b) => a + b, 0);
      // Fewer per-class places than the total is normal (the rest may go to any class); more is a slip.
      if (typeof total === 'number' && sum > total) {
        warnings.push(`${where}：${region.name} 各期名额之和 ${sum} 超过合计 ${total}，以合计为总名额`);
      }
      if (entries.some((e) => e.code === region.code)) {
        problems.push(`${where}：${region.name} 重复出现`);
        continue;
      }
      entries.push({
        code: region.code,
        name: region.name,
        total: typeof total === 'number' ? total : sum,
        ...(Object.keys(perClass).length ? { perClass } : {}),
        row: raw.row,
      });
    }
  }
  if (problems.length) throw new ImportError(problems.join('\n'));
  if (entries.length === 0) throw new ImportError(`${basename(file)}：表头下没有任何地区的名额`);
  const sum = entries.reduce((a, e) => a + e.total, 0);
  if (statedGrandTotal !== undefined && statedGrandTotal !== sum) {
    warnings.push(`${basename(file)}：合计行为 ${statedGrandTotal}，各地区名额之和为 ${sum}`);
  }
  return { entries, warnings };
}
