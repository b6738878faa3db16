// Personal data must never reach logs or mail unmasked (spec §10, notice ¶15).

const ID_RE = /\b(\d{6})(\d{8})(\d{3}[\dXx])\b/g;
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
