import { createHmac } from 'node:crypto';

/**
 * Item keys. ID numbers never appear in keys: a person is addressed by an HMAC of the ID number, so keys
 * that surface in logs, metrics or the console carry no personal data (spec §10).
 */
export function personKey(secret: string, idNumber: string): string {
  return createHmac('sha256', secret).update(idNumber.trim().toUpperCase()).digest('hex').slice(0, 32);
}

const pad = (n: number) => String(n).padStart(2, '0');

export const keys = {
  message: (messageId: string) => ({ pk: `MSG#${messageId}`, sk: '-' }),
  registration: (year: number, region: string, classNo: number, person: string) => ({
    pk: `Y#${year}#R#${region}`,
    sk: `C#${pad(classNo)}#P#${person}`,
  }),
  registrationGsi: (year: number, region: string, classNo: number, person: string) => ({
    gsi1pk: `Y#${year}#C#${pad(classNo)}`,
    gsi1sk: `R#${region}#P#${person}`,
  }),
  regionPk: (year: number, region: string) => `Y#${year}#R#${region}`,
  classPrefix: (classNo: number) => `C#${pad(classNo)}#`,
  classGsiPk: (year: number, classNo: number) => `Y#${year}#C#${pad(classNo)}`,
  enterprise: (year: number, uscc: string) => ({ pk: `Y#${year}#ENT#${uscc}`, sk: '-' }),
  person: (year: number, person: string) => ({ pk: `Y#${year}#PER#${person}`, sk: '-' }),
  quotaTotal: (year: number, region: string) => ({ pk: `Y#${year}#Q#${region}`, sk: 'TOTAL' }),
  quotaClass: (year: number, region: string, classNo: number) => ({
    pk: `Y#${year}#Q#${region}`,
    sk: `C#${pad(classNo)}`,
  }),
  quotaPk: (year: number, region: string) => `Y#${year}#Q#${region}`,
  regionInfo: (year: number, region: string, what: string) => ({ pk: `Y#${year}#G#${region}`, sk: what }),
  regionInfoPk: (year: number, region: string) => `Y#${year}#G#${region}`,
  /** The class-version item of a region's list for one class (see class-version.ts). */
  classVersion: (year: number, region: string, classNo: number) => ({
    pk: `Y#${year}#G#${region}`,
    sk: `V#C#${pad(classNo)}`,
  }),
  /** A region's submission mark for one class, as reminders and digests read it. */
  classSubmission: (classNo: number) => `C#${pad(classNo)}`,
  sender: (year: number, email: string) => ({ pk: `Y#${year}#S#${email.toLowerCase()}`, sk: '-' }),
  messagesGsiPk: (year: number) => `Y#${year}#MSG`,
  programCurrent: () => ({ pk: 'PROGRAM', sk: 'CURRENT' }),
  programVersion: (version: number) => ({ pk: 'PROGRAM', sk: `V#${String(version).padStart(6, '0')}` }),
  /** Send-once record of a notice to the bureau about one inbound message; `kind` is the sort key. */
  notice: (messageKey: string, kind: string) => ({ pk: `NOTICE#${messageKey}`, sk: kind }),
  /** The mail service's report that the mail tagged `tag` left (see send-evidence.ts). */
  sendEvidence: (tag: string) => ({ pk: `SENTTAG#${tag}`, sk: '-' }),
  /** A raw message the sweeper re-drove that no message record names (a second copy of one email). */
  sweptRaw: (rawKey: string) => ({ pk: `RAW#${rawKey}`, sk: '-' }),
};
