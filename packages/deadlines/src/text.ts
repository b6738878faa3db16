/** 2025-06-09 → 2025年6月9日. */
export function chineseDate(iso: string): string {
  const [y, m, d] = iso.split('-').map(Number);
  return `${y}年${m}月${d}日`;
}

/** Class numbers as people write them: 第1期, 第2—9期, 第1、3期. */
export function classList(nos: number[]): string {
  const sorted = [...nos].sort((a, b) => a - b);
  const first = sorted[0];
  const last = sorted.at(-1);
  if (first === undefined || last === undefined) return '';
  if (sorted.length === 1) return `第${first}期`;
  const contiguous = sorted.every((n, i) => n === first + i);
  return contiguous ? `第${first}—${last}期` : `第${sorted.join('、')}期`;
}

/** Escapes text for HTML mail bodies. */
export function escapeHtml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
