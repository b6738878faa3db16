import type { Verdicts } from '@lingjun/intake';

/** The header block of a raw message (up to the first empty line), unfolded. */
function headerBlock(raw: Uint8Array): string {
  const text = Buffer.from(raw.subarray(0, Math.min(raw.length, 64 * 1024))).toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  return (end < 0 ? text : text.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
}

function header(block: string, name: string): string | undefined {
  const m = new RegExp(`^${name}:[ \\t]*(.*)$`, 'im').exec(block);
  return m?.[1]?.trim();
}

function status(value: string | undefined): string {
  const v = value?.trim().toUpperCase();
  return v && ['PASS', 'FAIL', 'GRAY', 'PROCESSING_FAILED', 'DISABLED'].includes(v) ? v : 'GRAY';
}

/**
 * The receipt verdicts of a message re-driven without its SES event, from the headers SES writes into the
 * stored message (X-SES-Spam-Verdict, X-SES-Virus-Verdict, Authentication-Results). A verdict the message
 * does not carry is GRAY: inconclusive, which the verdict policy does not count as a failure.
 */
export function verdictsFromHeaders(raw: Uint8Array): Verdicts {
  const block = headerBlock(raw);
  const auth = header(block, 'Authentication-Results') ?? '';
  const method = (name: string) => {
    const m = new RegExp(`(?:^|[;\\s])${name}=([a-z]+)`, 'i').exec(auth);
    const v = m?.[1]?.toLowerCase();
    if (v === 'pass') return 'PASS';
    if (v === 'fail' || v === 'softfail' || v === 'permerror') return 'FAIL';
    return 'GRAY';
  };
  return {
    spam: status(header(block, 'X-SES-Spam-Verdict')),
    virus: status(header(block, 'X-SES-Virus-Verdict')),
    spf: method('spf'),
    dkim: method('dkim'),
    dmarc: method('dmarc'),
  };
}
