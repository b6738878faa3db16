import type { Mailer } from '@lingjun/core';
import { SENDER_NAME } from '@lingjun/core';
import { composeMessage, escapeHtml, renderTable, renderTextTable } from '@lingjun/mail';
import { type Program, programRegions } from '@lingjun/program';
import type { CertificateRecord, CourseRegistry, Registry } from '@lingjun/registry';

/** What revoking did: revoked now (and who was told), revoked before, or no such number. */
export type RevokeResult =
  | { state: 'revoked'; certificate: CertificateRecord; notified: string[] }
  | { state: 'already'; certificate: CertificateRecord }
  | { state: 'not_found' };

/**
 * Revokes a certificate and tells the region's contacts and the bureau, once: revoking again changes nothing,
 * sends nothing and says when and why it was revoked the first time.
 */
export async function revokeCertificate(
  deps: { program: Program; course: CourseRegistry; registry: Registry; mailer: Mailer; now: Date },
  number: string,
  reason: string,
): Promise<RevokeResult> {
  const cert = await deps.course.certificateByNumber(number.trim());
  if (!cert) return { state: 'not_found' };
  if (cert.status === 'revoked') return { state: 'already', certificate: cert };
  await deps.course.revoke(cert.number, reason, deps.now);
  const revoked: CertificateRecord = {
    ...cert,
    status: 'revoked',
    revokedAt: deps.now.toISOString(),
    revokeReason: reason,
  };
  const notified = await notifyRevocation(deps, revoked);
  return { state: 'revoked', certificate: revoked, notified };
}

/** The region's contacts and the bureau get one notice per revoked number (a retry sends nothing twice). */
async function notifyRevocation(
  deps: { program: Program; course: CourseRegistry; registry: Registry; mailer: Mailer; now: Date },
  cert: CertificateRecord,
): Promise<string[]> {
  const { program } = deps;
  const regionName = programRegions(program).nameOf(cert.region);
  const contacts = [
    ...(await deps.registry.getContacts(cert.region)),
    ...(program.contacts[cert.region] ?? []),
  ];
  const to = [...new Set([...contacts, ...program.adminEmails])];
  const what = `REVOKE#${cert.number}`;
  if (to.length === 0 || !(await deps.course.markOnce(cert.classNo, what, deps.now))) return [];
  const intro = `${regionName}联系人：您好！\n\n贵地区第${cert.classNo}期（${cert.start}至${cert.end}，${cert.location}）学员${cert.name}的结业证书已撤销，撤销后在线核验将显示“已撤销”。请不要再使用该证书，如有疑问请回复本邮件或联系部中小企业局。`;
  const headers = ['证书编号', '姓名', '企业名称', '撤销原因'];
  const rows = [[cert.number, cert.name, cert.enterprise, cert.revokeReason ?? '']];
  const footer = `${program.title}\n${program.mailbox}`;
  const text = `${intro}\n\n${renderTextTable(headers, rows)}\n\n${footer}`;
  const html = `<div style="font-family:'Microsoft YaHei',sans-serif;font-size:14px">${[intro, ''].map((p) => (p ? `<p>${escapeHtml(p).replace(/\n/g, '<br />')}</p>` : '')).join('')}${renderTable(headers, rows)}<p style="color:#666">${escapeHtml(footer).replace(/\n/g, '<br />')}</p></div>`;
  try {
    const composed = await composeMessage({
      from: { address: program.mailbox, name: SENDER_NAME },
      to,
      subject: `【证书撤销】第${cert.classNo}期 ${regionName} ${cert.name} ${cert.number}`,
      text,
      html,
    });
    await deps.mailer.sendRaw({ from: program.mailbox, to: composed.to, raw: composed.raw });
  } catch (err) {
    await deps.course.unmark(cert.classNo, what);
    throw err;
  }
  return to;
}

/** The sentence the command line prints for a revocation. */
export function revokeMessage(number: string, r: RevokeResult): string {
  if (r.state === 'not_found') return `没有编号为 ${number} 的证书`;
  const c = r.certificate;
  if (r.state === 'already') {
    return `证书 ${c.number}（${c.name}）已于 ${c.revokedAt?.slice(0, 10) ?? ''} 撤销（原因：${c.revokeReason ?? '未注明'}），本次未作改动，也未再次通知。`;
  }
  return `已撤销证书 ${c.number}（${c.name}），已通知${r.notified.length ? ` ${r.notified.length} 个地址（地区联系人及部中小企业局）` : '：该地区没有联系人，未发送通知'}。`;
}
