import type { Form3, RecognisedForm } from '@lingjun/forms';
import type { SenderAuthentication } from '@lingjun/mail';
import { type Program, programRegions, type Region } from '@lingjun/program';
import type { SubmissionReads } from '@lingjun/registry';
import { type Finding, finding } from '@lingjun/rules';

/** Who the sender is for, and what the email says it is for. */
export type RegionDecision =
  | { kind: 'ok'; region: Region; firstContact: boolean }
  | { kind: 'hold'; region: Region; reason: string }
  | { kind: 'reject'; region: Region | null; findings: Finding[] };

/** Regions the program file names this sender as a contact for. */
export function programRegionsOf(program: Program, sender: string): string[] {
  const s = sender.toLowerCase();
  return Object.entries(program.contacts)
    .filter(([, emails]) => emails.some((e) => e.toLowerCase() === s))
    .map(([code]) => code);
}

/**
 * Applies spec §5 to an email: the regions its forms declare must all be one known region, and the sender
 * must be registered for it (program file or latest 附件3). An unknown sender becomes the first contact
 * of a region without contacts; for a region that has contacts, the email is held for the bureau. A sender
 * whose From is not one mailbox vouched for by aligned authentication is never trusted: mail from a
 * contact's address, or that would make its sender a first contact, is held for the bureau.
 */
export async function decideRegion(input: {
  forms: RecognisedForm[];
  sender: string;
  authentication: SenderAuthentication;
  program: Program;
  /** The sender index and contacts (the registry, or the email's reads of it). */
  registry: Pick<SubmissionReads, 'senderRegion' | 'getContacts'>;
  approvedRegion?: string;
}): Promise<RegionDecision> {
  const { forms, sender, program, registry } = input;
  const regions = programRegions(program);
  // The bureau's approval of a held email stands in for authentication.
  const trusted = input.authentication.aligned || input.approvedRegion !== undefined;
  const unauthenticated = `，且邮件未通过发件人认证（${input.authentication.reasons.join('；')}）`;
  const declared: { region: Region | undefined; text: string; file: string; form: '附件3' | '附件4' }[] = [];
  for (const f of forms) {
    if (f.form === '附件4' && f.regionText !== undefined) {
      declared.push({
        region: f.regionCode !== undefined ? regions.byCode(f.regionCode) : regions.resolve(f.regionText),
        text: f.regionText,
        file: f.file,
        form: '附件4',
      });
    }
    if (f.form === '附件3') {
      for (const r of f.records) {
        const text = r.values.region;
        if (text) declared.push({ region: regions.resolve(text), text, file: f.file, form: '附件3' });
      }
    }
  }
  const fromProgram = programRegionsOf(program, sender);
  const fromRegistry = await registry.senderRegion(sender);
  // The regions the sender is registered for, in order; a code no region has cannot be answered as.
  const senderRegions = new Map<string, Region>();
  for (const code of [...fromProgram, ...(fromRegistry ? [fromRegistry] : []), input.approvedRegion]) {
    const region = code === undefined ? undefined : regions.byCode(code);
    if (region) senderRegions.set(region.code, region);
  }
  const [firstSenderRegion] = senderRegions.values();
  if (!trusted && firstSenderRegion) {
    // Never answered as the region: a forger writes a contact's address in From.
    const region =
      declared.find((d) => d.region && senderRegions.has(d.region.code))?.region ?? firstSenderRegion;
    return {
      kind: 'hold',
      region,
      reason: `发件地址 ${sender} 登记为${region.name}的联系人${unauthenticated}`,
    };
  }

  const known: { region: Region; file: string; form: '附件3' | '附件4' }[] = [];
  const unknown: typeof declared = [];
  for (const d of declared) {
    if (d.region) known.push({ region: d.region, file: d.file, form: d.form });
    else unknown.push(d);
  }
  if (unknown.length > 0) {
    return {
      kind: 'reject',
      region: null,
      findings: unknown.map((d) =>
        finding('UNKNOWN_REGION', `填报地区${regions.unknown(d.text)}`, {
          form: d.form,
          file: d.file,
          field: d.form === '附件3' ? '地区' : '填报地区',
        }),
      ),
    };
  }

  const declaredRegions = [...new Map(known.map((d) => [d.region.code, d.region])).values()];
  if (declaredRegions.length > 1) {
    return {
      kind: 'reject',
      region: null,
      findings: [
        finding(
          'REGION_MISMATCH',
          `一封邮件中的表格填写了不同的地区（${declaredRegions.map((r) => r.name).join('、')}），请每个地区分别报送。`,
          { field: '填报地区' },
        ),
      ],
    };
  }

  const [first] = known;
  if (first) {
    const { region } = first;
    if (senderRegions.has(region.code)) return { kind: 'ok', region, firstContact: false };
    if (firstSenderRegion) {
      const mine = [...senderRegions.values()].map((r) => r.name).join('、');
      return {
        kind: 'reject',
        region: firstSenderRegion,
        findings: [
          finding(
            'REGION_MISMATCH',
            `表格填写的地区为“${region.name}”，而发件邮箱登记为${mine}的联系人。请由${region.name}的联系人报送，或改正填报地区。`,
            { form: first.form, file: first.file, field: first.form === '附件3' ? '地区' : '填报地区' },
          ),
        ],
      };
    }
    const hasContacts =
      (program.contacts[region.code]?.length ?? 0) > 0 ||
      (await registry.getContacts(region.code)).length > 0;
    if (!hasContacts && trusted) return { kind: 'ok', region, firstContact: true };
    return {
      kind: 'hold',
      region,
      reason: hasContacts
        ? `发件人 ${sender} 不是${region.name}已登记的联系人${trusted ? '' : unauthenticated}`
        : `发件人 ${sender} 首次为尚无联系人的${region.name}报送${unauthenticated}`,
    };
  }

  // Nothing in the email names a region (e.g. only 附件5): the sender's registration decides.
  if (senderRegions.size === 1 && firstSenderRegion) {
    return { kind: 'ok', region: firstSenderRegion, firstContact: false };
  }
  return {
    kind: 'reject',
    region: null,
    findings: [
      finding(
        'UNKNOWN_REGION',
        '无法确定报送地区：表格中没有填写“填报地区”，发件邮箱也未登记为任何地区的联系人。请在报名汇总表表头填写填报地区，并附上《工作信息表》（附件3）。',
        { field: '填报地区' },
      ),
    ],
  };
}

/** The codes of the known regions an email's forms name (附件4 headers, 附件3 rows), without repeats. */
export function declaredRegionCodes(forms: RecognisedForm[], program: Program): string[] {
  const regions = programRegions(program);
  const codes = new Set<string>();
  for (const f of forms) {
    if (f.form === '附件4' && f.regionText !== undefined) {
      const region =
        f.regionCode !== undefined ? regions.byCode(f.regionCode) : regions.resolve(f.regionText);
      if (region) codes.add(region.code);
    }
    if (f.form === '附件3') {
      for (const r of f.records) {
        const region = r.values.region ? regions.resolve(r.values.region) : undefined;
        if (region) codes.add(region.code);
      }
    }
  }
  return [...codes];
}

/** The 附件3 forms of an email. */
export function form3s(forms: RecognisedForm[]): Form3[] {
  return forms.filter((f): f is Form3 => f.form === '附件3');
}
