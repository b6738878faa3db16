import { InputError, log, SENDER_NAME } from '@lingjun/core';
import {
  describeProgramChanges,
  type Program,
  type ProgramVersions,
  type PublishedProgram,
  programRegions,
  quotaChangedRegions,
} from '@lingjun/program';
import { sendFromMailbox, sendScheduled } from './send-scheduled.ts';
import { contactsOf, type DeadlineDeps } from './status.ts';
import { escapeHtml } from './text.ts';

/** A new program version refused because it contradicts what is recorded; lists every reason in Chinese. */
export class ProgramChangeRefused extends InputError {
  override readonly name: string = 'ProgramChangeRefused';
  constructor(readonly problems: string[]) {
    super(`不能发布：\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

/** What publishing did: the new version and the regions told of their changed places. */
export interface PublishRun {
  published: PublishedProgram;
  notified: { region: { code: string; name: string }; to: string[] }[];
  /** Regions whose places changed but which have no contact to tell. */
  noContacts: { code: string; name: string }[];
}

/** Deps of publishing: the deadline jobs' services and the stack's program versions. */
export interface PublishDeps extends DeadlineDeps {
  versions: ProgramVersions;
}

/**
 * Why `next` may not replace `current` given what is recorded this year: a quota (in total or for a class)
 * below the places accepted, or a class removed that has students. A new year has nothing recorded.
 */
export async function checkAgainstRecorded(
  deps: Pick<DeadlineDeps, 'registry'>,
  current: Program,
  next: Program,
): Promise<string[]> {
  if (next.year !== current.year) return [];
  const problems: string[] = [];
  const codes = [...new Set([...Object.keys(current.quotas), ...Object.keys(next.quotas)])].sort();
  const used = await Promise.all(codes.map((code) => deps.registry.quotaUsed(code)));
  const perClass = new Map<number, number>();
  codes.forEach((code, i) => {
    const u = used[i]!;
    const name = programRegions(next).byCode(code)?.name ?? programRegions(current).nameOf(code);
    const q = next.quotas[code];
    if (u.total > (q?.total ?? 0))
      problems.push(`${name}已录取${u.total}名，总名额不能减至${q?.total ?? 0}名（至少${u.total}名）。`);
    for (const [no, n] of Object.entries(u.perClass)) {
      perClass.set(Number(no), (perClass.get(Number(no)) ?? 0) + n);
      const limit = q?.perClass?.[no];
      if (limit !== undefined && n > limit)
        problems.push(`${name}第${no}期已录取${n}名，该期名额不能减至${limit}名（至少${n}名）。`);
    }
  });
  const kept = new Set(next.classes.map((c) => c.no));
  for (const [no, n] of perClass)
    if (n > 0 && !kept.has(no)) problems.push(`第${no}期已录取${n}名，不能删除该期。`);
  return problems;
}

/**
 * Publishes `next` as the stack's new program version after checking it against what is recorded, then tells
 * each region whose places changed (once per version and region, so a retried publish sends nothing twice).
 */
export async function publishProgram(
  deps: PublishDeps,
  input: { current: PublishedProgram; next: Program; by: string; now: Date },
): Promise<PublishRun> {
  const problems = await checkAgainstRecorded(deps, input.current.program, input.next);
  if (problems.length > 0) throw new ProgramChangeRefused(problems);
  const published = await deps.versions.publish({
    after: input.current.version,
    program: input.next,
    publishedBy: input.by,
    changes: describeProgramChanges(input.current.program, input.next),
    now: input.now,
  });
  log.info('program published', { version: published.version, changes: published.changes.length });
  const told = await notifyQuotaChanges({ ...deps, program: input.next }, input.current.program, published);
  return { published, ...told };
}

/** Mails each region whose places differ between `before` and the published version. */
export async function notifyQuotaChanges(
  deps: DeadlineDeps,
  before: Program,
  published: PublishedProgram,
): Promise<Omit<PublishRun, 'published'>> {
  const after = published.program;
  const run: Omit<PublishRun, 'published'> = { notified: [], noContacts: [] };
  if (after.year !== before.year) return run;
  for (const code of quotaChangedRegions(before, after)) {
    const region = {
      code,
      name: programRegions(after).byCode(code)?.name ?? programRegions(before).nameOf(code),
    };
    const to = await contactsOf({ program: after, registry: deps.registry }, code);
    if (to.length === 0) {
      run.noContacts.push(region);
      continue;
    }
    const key = { pk: `Y#${after.year}#PROGRAM#NOTIFY`, sk: `V#${published.version}#${code}` };
    const sent = await sendScheduled(deps, key, { type: 'quota-notice', region: code, to }, async (tags) => {
      const used = await deps.registry.quotaUsed(code);
      const body = renderQuotaNotice(after, region, before.quotas[code], after.quotas[code], used.total);
      return sendFromMailbox(after, deps.mailer, { to, ...body }, tags);
    });
    if (sent.state === 'sent') run.notified.push({ region, to });
  }
  return run;
}

type Quota = Program['quotas'][string] | undefined;

/** The mail that tells a region its places changed: before, after, and what is already accepted. */
export function renderQuotaNotice(
  program: Program,
  region: { code: string; name: string },
  before: Quota,
  after: Quota,
  accepted: number,
): { subject: string; text: string; html: string } {
  const lines = [
    `${region.name}：`,
    '',
    `${program.year}年${program.title}的报名名额已调整：`,
    `  总名额：${before?.total ?? 0} → ${after?.total ?? 0}`,
  ];
  const classes = new Set([...Object.keys(before?.perClass ?? {}), ...Object.keys(after?.perClass ?? {})]);
  for (const no of [...classes].sort((a, b) => Number(a) - Number(b))) {
    const a = before?.perClass?.[no];
    const b = after?.perClass?.[no];
    if (a !== b) lines.push(`  第${no}期：${a ?? '不限'} → ${b ?? '不限'}`);
  }
  lines.push(
    `目前已录取 ${accepted} 名。`,
    '',
    '请按调整后的名额报送。如有疑问，请回复本邮件。',
    '',
    SENDER_NAME,
  );
  const text = lines.join('\n');
  const html = `<div style="font-family:Arial,sans-serif;font-size:14px">${lines
    .map((l) => (l ? `<p style="margin:0 0 6px">${escapeHtml(l)}</p>` : '<br>'))
    .join('')}</div>`;
  return { subject: `【名额调整】${region.name} ${program.year}年报名名额已调整`, text, html };
}
