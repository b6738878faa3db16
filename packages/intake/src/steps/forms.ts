import type { ExtractResult, RawDocument } from '@lingjun/forms';
import { extractForms } from '@lingjun/forms/extract';
import { readAttachment } from '@lingjun/forms/readers';
import type { InboundMail } from '@lingjun/mail';
import type { Program } from '@lingjun/program';
import { type Finding, finding } from '@lingjun/rules';

/** Forms read from an email, with the documents kept so the reply can annotate the sender's own workbook. */
export interface ReadForms extends ExtractResult {
  documents: RawDocument[];
}

/**
 * Reads every attachment and recognises the forms in them. Files that cannot be read become FILE_UNREADABLE
 * findings with the reason; an email in which nothing is a form gets NO_FORMS.
 */
export async function readForms(mail: InboundMail, program: Program): Promise<ReadForms> {
  const findings: Finding[] = [];
  for (const n of mail.notices) {
    findings.push(finding('FILE_UNREADABLE', n.message, { file: n.file }));
  }
  const documents: RawDocument[] = [];
  for (const a of mail.attachments) {
    const res = await readAttachment({
      filename: a.filename,
      content: a.content,
      contentType: a.contentType,
    });
    documents.push(...res.documents);
    for (const u of res.unreadable) {
      findings.push(finding('FILE_UNREADABLE', `文件无法读取：${u.reason}`, { file: u.file }));
    }
  }
  const extracted = extractForms(documents, { program });
  findings.push(...extracted.findings);
  if (extracted.forms.length === 0) {
    findings.push(
      finding(
        'NO_FORMS',
        mail.attachments.length === 0
          ? '邮件中没有附件。请将《工作信息表》（附件3）、《报名汇总表》（附件4）和《学员报名表》（附件5）作为附件发送。'
          : '附件中没有识别到附件3、附件4或附件5表格。请使用系统下发的表格模板填写（勿修改表头），以 Excel 或 Word 格式作为附件发送。',
      ),
    );
  }
  return { forms: extracted.forms, findings, documents };
}
