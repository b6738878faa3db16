import { SaxesParser } from 'saxes';

/**
 * Parses a mail's HTML body as XML, the strictest reading a mail client may apply: an unquoted or cut-short
 * attribute, an unclosed tag or a stray `&` throws with its line and column. For tests.
 */
export function parseStrictHtml(html: string): { elements: number; text: string } {
  const parser = new SaxesParser({ xmlns: false });
  let elements = 0;
  const text: string[] = [];
  let error: Error | undefined;
  parser.on('error', (e) => {
    error ??= e;
  });
  parser.on('opentag', () => {
    elements++;
  });
  parser.on('text', (t) => {
    text.push(t);
  });
  // One root, as XML requires; a full document (<html>) is parsed as it is.
  const body = /^\s*(<!DOCTYPE|<html)/i.test(html) ? html : `<root>${html}</root>`;
  parser.write(body).close();
  if (error) throw error;
  return { elements, text: text.join('') };
}
