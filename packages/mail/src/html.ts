import { displayWidth } from '@lingjun/core';

/** A table cell; null and undefined render as empty. */
export type Cell = string | number | null | undefined;

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: Cell): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** Escapes text and keeps its line breaks, for a paragraph of sender-facing prose. */
export function textToHtml(text: string): string {
  return escapeHtml(text).replace(/\r?\n/g, '<br />\n');
}

// Mail clients (Outlook, Foxmail, QQ) drop <style> blocks, so every style is inline. Styles sit in double-quoted
// attributes, so a font name inside them takes single quotes.
const TABLE_STYLE = "border-collapse:collapse;font-size:14px;font-family:Arial,'Microsoft YaHei',sans-serif;";
const TH_STYLE =
  'border:1px solid #999;padding:4px 8px;background:#f0f0f0;text-align:left;white-space:nowrap;';
const TD_STYLE = 'border:1px solid #999;padding:4px 8px;vertical-align:top;';

/** Renders an inline-styled HTML table; every header and cell is HTML-escaped. */
export function renderTable(headers: readonly Cell[], rows: readonly (readonly Cell[])[]): string {
  const head = headers.map((h) => `<th style="${TH_STYLE}">${escapeHtml(h)}</th>`).join('');
  const body = rows
    .map((row) => {
      const cells = headers.map(
        (_h, i) => `<td style="${TD_STYLE}">${textToHtml(String(row[i] ?? ''))}</td>`,
      );
      return `<tr>${cells.join('')}</tr>`;
    })
    .join('\n');
  return `<table style="${TABLE_STYLE}" cellpadding="0" cellspacing="0">\n<thead><tr>${head}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

/** Display width in a monospaced font: CJK and full-width characters take two columns. */
export { displayWidth };

function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}

/** Renders the same table as aligned plain text (for the text/plain part of a mail). */
export function renderTextTable(headers: readonly Cell[], rows: readonly (readonly Cell[])[]): string {
  // Line breaks inside a cell would break the columns, so they become spaces in the text form.
  const norm = (c: Cell): string => String(c ?? '').replace(/\s*\r?\n\s*/g, ' ');
  const head = headers.map(norm);
  const body = rows.map((row) => headers.map((_h, i) => norm(row[i])));
  const widths = head.map((h, i) => Math.max(displayWidth(h), ...body.map((r) => displayWidth(r[i] ?? ''))));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => pad(c, widths[i] ?? 0))
      .join(' | ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('-+-');
  return [line(head), rule, ...body.map(line)].join('\n');
}
