// Personal data must never reach logs or mail unmasked (spec §10, notice ¶15).

// Bounded by non-digits, not \b: `附件4_<ID>.xlsx`, `ref_<ID>@…` and a JSON `\n<ID>` have word characters
// beside the number. A credit code is safe: it carries letters within its 18 characters (or is a run of
// other length), and dates, receipt numbers and counts are shorter.
const ID_RE = /(?<!\d)(\d{6})(\d{8})(\d{3}[\dXx])(?!\d)/g;
const PHONE_RE = /(?<!\d)(?:\+?86[-\s]?)?(1[3-9]\d)[-\s]?(\d{4})[-\s]?(\d{4})(?!\d)/g;

/** Masks an 18-character ID number as 110101********123X. */
export function maskId(id: string): string {
  const s = id.trim();
  if (s.length < 10) return '*'.repeat(s.length);
  return s.slice(0, 6) + '*'.repeat(s.length - 10) + s.slice(-4);
}

/** Masks a mobile number as 138****5678. */
export function maskPhone(phone: string): string {
  const d = phone.replace(/\D/g, '').replace(/^86(?=1\d{10}$)/, '');
  if (d.length < 7) return '*'.repeat(d.length);
  return d.slice(0, 3) + '*'.repeat(d.length - 7) + d.slice(-4);
}

/** Masks a person's name as 张*三 / 张*. */
export function maskName(name: string): string {
  const chars = [...name.trim()];
  if (chars.length <= 1) return chars.join('');
  if (chars.length === 2) return `${chars[0]}*`;
  return chars[0] + '*'.repeat(chars.length - 2) + chars[chars.length - 1];
}

/** Replaces every ID number and mobile number inside free text with its masked form. */
export function maskText(text: string): string {
  return text
    .replace(ID_RE, (_m, a: string, _b: string, c: string) => `${a}********${c}`)
    .replace(PHONE_RE, (_m, a: string, _b: string, c: string) => `${a}****${c}`);
}

/**
 * Masks ID numbers in an identifier that must round-trip, such as the Message-ID a reply's In-Reply-To and
 * References quote. Mobile numbers are left: a mailbox named by its mobile is already in the reply's To, and
 * the phone pattern (which allows separators) also matches digit runs of random ids, whose masking would cut
 * a reply off from its thread.
 */
export function maskIdentifier(text: string): string {
  return text.replace(ID_RE, (_m, a: string, _b: string, c: string) => `${a}********${c}`);
}

/**
 * Masks every string inside a JSON-like value (stored outcomes, --json lines) with maskText; the values of
 * properties named in `keep` (delivery addresses) are left as they are. Object keys are not masked.
 */
export function maskDeep<T>(value: T, keep: ReadonlySet<string> = new Set()): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return maskText(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, keep.has(k) ? x : walk(x)]));
    }
    return v;
  };
  return walk(value) as T;
}
