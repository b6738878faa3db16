import {
  AlignmentType,
  BorderStyle,
  Document,
  ImageRun,
  type IRunOptions,
  type ISectionOptions,
  Packer,
  PageOrientation,
  Paragraph,
  Table,
  TableCell,
  TableRow,
  TextRun,
  VerticalAlign,
  WidthType,
} from 'docx';
import { strFromU8, strToU8, type Unzipped, unzipSync, zipSync } from 'fflate';
import QRCode from 'qrcode';

/** What one certificate says. */
export interface CertificateData {
  name: string;
  enterprise: string;
  /** Program title, e.g. 2025年度中小企业经营管理领军人才培训. */
  programTitle: string;
  classNo: number;
  start: string;
  end: string;
  location: string;
  issuer: string;
  /** Issue date, YYYY-MM-DD. */
  issued: string;
  number: string;
  code: string;
  /** Verification page address with number and code, encoded in the QR code. */
  verifyUrl: string;
}

/** A4 landscape (portrait sizes given; docx swaps them for the landscape orientation). */
const A4 = { width: 11906, height: 16838 } as const;
const SERIF = { ascii: 'Times New Roman', hAnsi: 'Times New Roman', eastAsia: '宋体', cs: 'Times New Roman' };
const TITLE_FONT = { ...SERIF, eastAsia: '华文中宋' };
const QR_PX = 110;

const CN = '〇一二三四五六七八九';
/** 2025-06-27 → 二〇二五年六月二十七日, as certificates are dated. */
export function chineseDate(iso: string): string {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  const num = (n: number) =>
    n < 10
      ? CN[n]!
      : n === 10
        ? '十'
        : n < 20
          ? `十${CN[n % 10]}`
          : `${CN[Math.floor(n / 10)]}十${n % 10 ? CN[n % 10] : ''}`;
  return `${[...String(y)].map((c) => CN[Number(c)]).join('')}年${num(m)}月${num(d)}日`;
}

/** 2025-06-24, 2025-06-27 → 2025年6月24日至6月27日 (the year once when both dates share it). */
export function dateRange(start: string, end: string): string {
  const f = (s: string, withYear: boolean) => {
    const [y, m, d] = s.split('-').map(Number);
    return `${withYear ? `${y}年` : ''}${m}月${d}日`;
  };
  return `${f(start, true)}至${f(end, start.slice(0, 4) !== end.slice(0, 4))}`;
}

const run = (text: string, opts: Partial<IRunOptions> = {}) =>
  new TextRun({ text, font: SERIF, size: 32, ...opts });
const NONE = { style: BorderStyle.NONE, size: 0, color: 'FFFFFF' };

/** The certificate's text, formatted: what the page shows, field by field. */
type View = Record<
  | 'name'
  | 'enterprise'
  | 'program'
  | 'classNo'
  | 'dates'
  | 'location'
  | 'issuer'
  | 'issued'
  | 'number'
  | 'code'
  | 'url',
  string
>;

function view(d: CertificateData): View {
  return {
    name: d.name,
    enterprise: d.enterprise,
    program: d.programTitle,
    classNo: String(d.classNo),
    dates: dateRange(d.start, d.end),
    location: d.location,
    issuer: d.issuer,
    issued: chineseDate(d.issued),
    number: d.number,
    code: d.code,
    url: d.verifyUrl,
  };
}

function section(d: View, qr: Uint8Array): ISectionOptions {
  const border = { style: BorderStyle.DOUBLE, size: 12, color: '8B0000', space: 24 };
  return {
    properties: {
      page: {
        size: { ...A4, orientation: PageOrientation.LANDSCAPE },
        margin: { top: 1100, bottom: 900, left: 1500, right: 1500 },
        borders: {
          pageBorderTop: border,
          pageBorderBottom: border,
          pageBorderLeft: border,
          pageBorderRight: border,
        },
      },
    },
    children: [
      new Paragraph({
        alignment: AlignmentType.CENTER,
        spacing: { before: 200, after: 500 },
        children: [
          new TextRun({ text: '结 业 证 书', font: TITLE_FONT, size: 72, bold: true, color: '8B0000' }),
        ],
      }),
      new Paragraph({
        spacing: { after: 240, line: 560 },
        children: [
          run(d.name, { bold: true, underline: {} }),
          run(' 同志（'),
          run(d.enterprise),
          run('）：'),
        ],
      }),
      new Paragraph({
        indent: { firstLine: 640 },
        spacing: { after: 240, line: 560 },
        children: [
          run('于'),
          run(d.dates),
          run('在'),
          run(d.location),
          run('参加'),
          run(d.program),
          run('第'),
          run(d.classNo),
          run('期学习，完成规定课程，成绩合格，准予结业。'),
        ],
      }),
      new Paragraph({ alignment: AlignmentType.RIGHT, spacing: { before: 500 }, children: [run(d.issuer)] }),
      new Paragraph({
        alignment: AlignmentType.RIGHT,
        spacing: { after: 300 },
        children: [run(d.issued)],
      }),
      new Table({
        width: { size: 100, type: WidthType.PERCENTAGE },
        borders: {
          top: NONE,
          bottom: NONE,
          left: NONE,
          right: NONE,
          insideHorizontal: NONE,
          insideVertical: NONE,
        },
        rows: [
          new TableRow({
            children: [
              new TableCell({
                width: { size: 80, type: WidthType.PERCENTAGE },
                verticalAlign: VerticalAlign.BOTTOM,
                children: [
                  new Paragraph({ children: [run('证书编号：', { size: 21 }), run(d.number, { size: 21 })] }),
                  new Paragraph({ children: [run('验 证 码：', { size: 21 }), run(d.code, { size: 21 })] }),
                  new Paragraph({ children: [run('扫描右侧二维码或访问核验页面：', { size: 18 })] }),
                  new Paragraph({ children: [run(d.url, { size: 16 })] }),
                ],
              }),
              new TableCell({
                width: { size: 20, type: WidthType.PERCENTAGE },
                verticalAlign: VerticalAlign.BOTTOM,
                children: [
                  new Paragraph({
                    alignment: AlignmentType.RIGHT,
                    children: [
                      new ImageRun({
                        type: 'png',
                        data: qr,
                        transformation: { width: QR_PX, height: QR_PX },
                        altText: { name: 'qr', title: '证书核验二维码', description: '证书核验二维码' },
                      }),
                    ],
                  }),
                ],
              }),
            ],
          }),
        ],
      }),
    ],
  };
}

/** The QR code of a verification address, as PNG. */
export async function qrPng(url: string): Promise<Uint8Array> {
  return new Uint8Array(
    await QRCode.toBuffer(url, {
      type: 'png',
      errorCorrectionLevel: 'M',
      margin: 1,
      width: 240,
      // pngjs's default tries all five row filters per row; Paeth alone gives the same pixels at the same
      // size (~2 KB) in half the time, and the QR was most of a certificate's cost (npm run bench).
      rendererOpts: { filterType: 4 } as QRCode.QRCodeToBufferOptions['rendererOpts'],
    }),
  );
}

/** A document with one certificate per page (per section), for the organiser to print. */
export async function buildCertificatesDocx(items: CertificateData[]): Promise<Uint8Array> {
  const sections: ISectionOptions[] = [];
  for (const d of items) sections.push(section(view(d), await qrPng(d.verifyUrl)));
  const doc = new Document({
    creator: 'lingjun',
    title: '结业证书',
    styles: { default: { document: { run: { font: SERIF } } } },
    sections,
  });
  return new Uint8Array(await Packer.toBuffer(doc));
}

/** The template's values: one token per field, each written by docx intact into a single run. */
const TOKENS: View = {
  name: '{{NAME}}',
  enterprise: '{{ENTERPRISE}}',
  program: '{{PROGRAM}}',
  classNo: '{{CLASS}}',
  dates: '{{DATES}}',
  location: '{{LOCATION}}',
  issuer: '{{ISSUER}}',
  issued: '{{ISSUED}}',
  number: '{{NUMBER}}',
  code: '{{CODE}}',
  url: '{{URL}}',
};

/** The one certificate template, built with docx once per process and kept unzipped. */
let template: Promise<{ files: Unzipped; xml: string; media: string }> | undefined;

async function loadTemplate() {
  template ??= (async () => {
    const placeholder = await qrPng('https://example.invalid/placeholder');
    const doc = new Document({
      creator: 'lingjun',
      title: '结业证书',
      styles: { default: { document: { run: { font: SERIF } } } },
      sections: [section(TOKENS, placeholder)],
    });
    const files = unzipSync(new Uint8Array(await Packer.toBuffer(doc)));
    const media = Object.keys(files).find((k) => k.startsWith('word/media/'));
    if (!media) throw new Error('certificate template has no QR image');
    return { files, xml: strFromU8(files['word/document.xml']!), media };
  })();
  return template;
}

const xmlEscape = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * One certificate .docx: the template with its tokens replaced in word/document.xml and the QR image
 * swapped, re-zipped with fflate. Much faster than building a document per student.
 */
export async function fillCertificate(d: CertificateData, qr?: Uint8Array): Promise<Uint8Array> {
  const t = await loadTemplate();
  const v = view(d);
  let xml = t.xml;
  for (const [key, token] of Object.entries(TOKENS)) {
    xml = xml.split(token).join(xmlEscape(v[key as keyof View]));
  }
  const files: Record<string, Uint8Array | [Uint8Array, { level: 0 }]> = { ...t.files };
  files['word/document.xml'] = strToU8(xml);
  files[t.media] = [qr ?? (await qrPng(d.verifyUrl)), { level: 0 }];
  return zipSync(files as never, { level: 6 });
}
