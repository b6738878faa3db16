import { decodeUnlabelled } from '@lingjun/core';

// Chinese mail clients label text GB2312 or GBK but write whatever their Windows code page (936 or
// GB18030) produces: characters outside GB2312 (镕, rare name characters, four-byte GB18030 ones
// like 㐀 or 𠀀) then fail under a strict decoder. GB18030 decodes every GB2312 and GBK byte
// sequence the same way, so decoding these labels as GB18030 only ever recovers characters.
const GB_LABEL =
  /^(?:gb2312|gb_2312(?:-80)?|csgb2312|csiso58gb231280|iso-ir-58|chinese|gbk|x-gbk|cp936|ms936|windows-936|euc-cn|x-euc-cn)$/i;

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** True when a charset label names GB2312 or GBK (which this package decodes as GB18030). */
export function isGbLabel(label: string): boolean {
  return GB_LABEL.test(label.trim());
}

export { decodeUnlabelled } from '@lingjun/core';

function relabel(label: string): string {
  return isGbLabel(label) ? 'gb18030' : label;
}

/** Rewrites GB2312/GBK labels to GB18030 in encoded words, charset= parameters and RFC 2231 values. */
export function relabelHeaderLine(line: string): string {
  return (
    line
      // encoded word: =?gb2312?B?...?= (optionally with an RFC 2231 language: =?gb2312*zh?B?)
      .replace(
        /=\?([^?*\s]+)((?:\*[^?\s]*)?)\?/g,
        (_m, cs: string, lang: string) => `=?${relabel(cs)}${lang}?`,
      )
      // Content-Type charset parameter
      .replace(/(\bcharset\s*=\s*"?)([A-Za-z0-9_.:-]+)/gi, (_m, pre: string, cs: string) => pre + relabel(cs))
      // RFC 2231 extended value: name*=gb2312''..., filename*0*=gbk''...
      .replace(
        /(\*(?:0\*)?\s*=\s*"?)([A-Za-z0-9_.:-]+)(?=')/g,
        (_m, pre: string, cs: string) => pre + relabel(cs),
      )
  );
}

const HEADER_FIELD = /^[!-9;-~]+:/;

interface BlockInfo {
  boundary: string | null;
  embeddedMessage: boolean;
}

function inspectBlock(text: string): BlockInfo {
  const unfolded = text.replace(/\r?\n[ \t]+/g, ' ');
  const ct = /^content-type:[ \t]*([^\r\n]*)/im.exec(unfolded)?.[1] ?? '';
  const cte = (/^content-transfer-encoding:[ \t]*([^\s;]*)/im.exec(unfolded)?.[1] ?? '').toLowerCase();
  const type = (ct.split(';')[0] ?? '').trim().toLowerCase();
  let boundary: string | null = null;
  if (type.startsWith('multipart/')) {
    const m = /;\s*boundary\s*=\s*(?:"([^"]*)"|([^\s;]+))/i.exec(ct);
    boundary = (m?.[1] ?? m?.[2] ?? '').trimEnd() || null;
  }
  // An embedded message in 7bit/8bit form is followed directly by its own header block; a base64
  // one is decoded and parsed recursively later, which runs this pass on it again.
  const embeddedMessage =
    (type === 'message/rfc822' || type === 'message/global') && !['base64', 'quoted-printable'].includes(cte);
  return { boundary, embeddedMessage };
}

function fixHeaderLine(bytes: Buffer): Buffer | null {
  let latin = bytes.toString('latin1');
  let changed = false;
  let has8bit = false;
  for (let i = 0; i < bytes.length; i++) {
    if ((bytes[i] as number) >= 0x80) {
      has8bit = true;
      break;
    }
  }
  if (has8bit) {
    // Some clients write GBK bytes into headers without any encoding. The parser reads raw header
    // bytes as UTF-8 only, so the line is transcoded to UTF-8 here (kept when already valid UTF-8).
    let valid = true;
    try {
      UTF8.decode(bytes);
    } catch {
      valid = false;
    }
    if (!valid) {
      latin = Buffer.from(decodeUnlabelled(bytes), 'utf8').toString('latin1');
      changed = true;
    }
  }
  if (/gb|chinese|euc-cn|936|iso-ir-58/i.test(latin)) {
    const relabelled = relabelHeaderLine(latin);
    if (relabelled !== latin) {
      latin = relabelled;
      changed = true;
    }
  }
  return changed ? Buffer.from(latin, 'latin1') : null;
}

/**
 * Normalises the header blocks of a raw message (top level and every MIME part) so the parser
 * decodes Chinese correctly: GB2312/GBK labels become GB18030 and unencoded GBK bytes become UTF-8.
 * Bodies are never touched, so attachment bytes and declared body charsets stay as sent.
 */
export function normalizeHeaderBytes(raw: Buffer): Buffer {
  const out: Buffer[] = [];
  let copiedUpTo = 0;
  let inHeader = true;
  let blockStart = 0;
  const boundaries = new Set<string>();
  let pos = 0;
  const len = raw.length;

  const endBlock = (blockEnd: number): void => {
    const info = inspectBlock(raw.subarray(blockStart, blockEnd).toString('latin1'));
    if (info.boundary) boundaries.add(info.boundary);
    inHeader = info.embeddedMessage;
  };

  while (pos < len) {
    let nl = raw.indexOf(0x0a, pos);
    if (nl < 0) nl = len;
    let end = nl;
    if (end > pos && raw[end - 1] === 0x0d) end--;
    const lineLen = end - pos;

    if (inHeader) {
      if (lineLen === 0) {
        endBlock(pos);
        blockStart = nl + 1;
      } else {
        const first = raw[pos] as number;
        const line = raw.subarray(pos, end);
        const isContinuation = first === 0x20 || first === 0x09;
        const mboxLine = pos === 0 && line.subarray(0, 5).toString('latin1') === 'From ';
        if (!isContinuation && !mboxLine && !HEADER_FIELD.test(line.subarray(0, 80).toString('latin1'))) {
          // Not a header line: the block ended without its blank line (malformed, but seen).
          endBlock(pos);
          inHeader = false;
          blockStart = pos;
          continue;
        }
        const fixed = fixHeaderLine(line);
        if (fixed) {
          out.push(raw.subarray(copiedUpTo, pos), fixed);
          copiedUpTo = end;
        }
      }
    } else if (lineLen >= 3 && raw[pos] === 0x2d && raw[pos + 1] === 0x2d && boundaries.size > 0) {
      // A closing delimiter (--b--) is not in the set, so only an opening one starts a header block.
      if (
        boundaries.has(
          raw
            .subarray(pos + 2, end)
            .toString('latin1')
            .trimEnd(),
        )
      ) {
        inHeader = true;
        blockStart = nl + 1;
      }
    }
    pos = nl + 1;
  }
  if (out.length === 0) return raw;
  out.push(raw.subarray(copiedUpTo));
  return Buffer.concat(out);
}
