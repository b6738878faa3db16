import { deflateSync } from 'node:zlib';
import { once } from '@lingjun/core';
import { EAST_ASIAN_FONT, fontRuns } from '@lingjun/forms';
import {
  AlignmentType,
  BorderStyle,
  Document,
  HeightRule,
  ImageRun,
  type IRunOptions,
  type ISectionOptions,
  Packer,
  PageOrientation,
  Paragraph,
  Table,
  TableCell,
  TableLayoutType,
  TableRow,
  TextRun,
  VerticalAlign,
  WidthType,
} from 'docx';
import { strFromU8, type Unzipped, unzipSync } from 'fflate';
import QRCode from 'qrcode';
import { crc32, type PackedPart, packPart, zipPacked } from './zip.ts';

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
const SERIF = {
  ascii: 'Times New Roman',
  hAnsi: 'Times New Roman',
  eastAsia: EAST_ASIAN_FONT,
  cs: 'Times New Roman',
};
const TITLE_FONT = { ...SERIF, eastAsia: '华文中宋' };
const QR_PX = 110;
/** Text width between the margins of the landscape page, in twips. */
const BODY_WIDTH = A4.height - 2 * 1500;
/**
 * The square left for the issuing body's seal (公章, 42 mm across for a state body), in twips: 46 mm, so the
 * stamp clears the QR code and the page border.
 */
export const SEAL_SPACE = 2600;
/** The seal's column: wider than the seal, so a long issuer name and the date each keep to a line or two. */
export const SEAL_COLUMN = 4400;
const QR_WIDTH = 2000;
const INFO_WIDTH = BODY_WIDTH - QR_WIDTH - SEAL_COLUMN;

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

/**
 * Fonts of a run of extension B-G characters (王𠮷): 宋体 has none of them. Every slot names the fallback
 * font, as Word may take a supplementary character's font from any of them; the hint says East Asian.
 */
const fallbackFonts = (font: string) => ({
  ascii: font,
  hAnsi: font,
  eastAsia: font,
  cs: font,
  hint: 'eastAsia',
});

/** Runs of one text: extension B-G characters in runs of their own that name a font that has them. */
const runs = (text: string, opts: Partial<IRunOptions> = {}) =>
  fontRuns(text).map(
    (r) =>
      new TextRun({
        text: r.text,
        font: SERIF,
        size: 32,
        ...opts,
        ...(r.font ? { font: fallbackFonts(r.font) } : {}),
      }),
  );
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
          ...runs(d.name, { bold: true, underline: {} }),
          ...runs(' 同志（'),
          ...runs(d.enterprise),
          ...runs('）：'),
        ],
      }),
      new Paragraph({
        indent: { firstLine: 640 },
        spacing: { after: 240, line: 560 },
        children: [
          ...runs('于'),
          ...runs(d.dates),
          ...runs('在'),
          ...runs(d.location),
          ...runs('参加'),
          ...runs(d.program),
          ...runs('第'),
          ...runs(d.classNo),
          ...runs('期学习，完成规定课程，成绩合格，准予结业。'),
        ],
      }),
      new Table({
        width: { size: BODY_WIDTH, type: WidthType.DXA },
        columnWidths: [INFO_WIDTH, QR_WIDTH, SEAL_COLUMN],
        layout: TableLayoutType.FIXED,
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
            // At least the seal's height, so the stamp lands on white paper over the issuer and date.
            height: { value: SEAL_SPACE, rule: HeightRule.ATLEAST },
            cantSplit: true,
            children: [
              new TableCell({
                width: { size: INFO_WIDTH, type: WidthType.DXA },
                verticalAlign: VerticalAlign.BOTTOM,
                children: [
                  new Paragraph({
                    children: [...runs('证书编号：', { size: 21 }), ...runs(d.number, { size: 21 })],
                  }),
                  new Paragraph({
                    children: [...runs('验 证 码：', { size: 21 }), ...runs(d.code, { size: 21 })],
                  }),
                  new Paragraph({ children: [...runs('扫描右侧二维码或访问核验页面：', { size: 18 })] }),
                  new Paragraph({ children: [...runs(d.url, { size: 16 })] }),
                ],
              }),
              new TableCell({
                width: { size: QR_WIDTH, type: WidthType.DXA },
                verticalAlign: VerticalAlign.BOTTOM,
                children: [
                  new Paragraph({
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
              // The seal's space: issuer and date in its middle, as 公章 is stamped over them.
              new TableCell({
                width: { size: SEAL_COLUMN, type: WidthType.DXA },
                verticalAlign: VerticalAlign.CENTER,
                children: [
                  new Paragraph({ alignment: AlignmentType.CENTER, children: [...runs(d.issuer)] }),
                  new Paragraph({
                    alignment: AlignmentType.CENTER,
                    spacing: { before: 120 },
                    children: [...runs(d.issued)],
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

/** The QR image's width, rounded to whole pixels per module so no module is blurred when printed. */
const QR_IMAGE_PX = 240;
/** Quiet zone in modules: the certificate's white page is the rest of it. */
const QR_MARGIN = 1;

function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
const PNG_END = pngChunk('IEND', new Uint8Array(0));

/** The QR code of a verification address, as a 1-bit greyscale PNG. */
export function qrPng(url: string): Uint8Array {
  // qrcode stays the encoder, but its PNG renderer draws 8-bit RGBA through pngjs, ~3 ms a certificate and
  // most of the course-end job's cost; two colours need one bit a pixel and no row filter.
  const { size, data } = QRCode.create(url, { errorCorrectionLevel: 'M' }).modules;
  const modules = size + 2 * QR_MARGIN;
  const scale = Math.max(1, Math.round(QR_IMAGE_PX / modules));
  const px = modules * scale;
  const stride = 1 + Math.ceil(px / 8);
  // Filter type 0 on every row; bit 1 is white, so start white and clear the dark modules' pixels.
  const raw = new Uint8Array(stride * px).fill(0xff);
  for (let y = 0; y < px; y++) raw[y * stride] = 0;
  for (let my = 0; my < size; my++) {
    const row = (my + QR_MARGIN) * scale * stride;
    for (let mx = 0; mx < size; mx++) {
      if (!data[my * size + mx]) continue;
      for (let x = (mx + QR_MARGIN) * scale, end = x + scale; x < end; x++) {
        const i = row + 1 + (x >> 3);
        raw[i] = raw[i]! & ~(0x80 >> (x & 7));
      }
    }
    for (let k = 1; k < scale; k++) raw.copyWithin(row + k * stride, row, row + stride);
  }
  const header = new Uint8Array(13);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, px);
  hv.setUint32(4, px);
  header[8] = 1; // bit depth; the zeros after it: greyscale, deflate, standard filters, no interlace
  const parts = [PNG_SIGNATURE, pngChunk('IHDR', header), pngChunk('IDAT', deflateSync(raw)), PNG_END];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A document with one certificate per page (per section), for the organiser to print. */
export async function buildCertificatesDocx(items: CertificateData[]): Promise<Uint8Array> {
  const sections: ISectionOptions[] = [];
  for (const d of items) sections.push(section(view(d), qrPng(d.verifyUrl)));
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

/** Where the per-student parts go among the template's parts, in the template's order. */
const DOCUMENT = 'word/document.xml';
type Slot = PackedPart | 'document' | 'media';

/**
 * The one certificate template, built with docx once per process: its parts unzipped, the document XML split
 * where values go, and every part but the document and the QR image deflated once, so that a certificate
 * compresses only what changes.
 */
const loadTemplate = once(
  async (): Promise<{
    files: Unzipped;
    text: string[];
    fields: (keyof View)[];
    runs: (TokenRun | undefined)[];
    media: string;
    slots: Slot[];
  }> => {
    const placeholder = qrPng('https://example.invalid/placeholder');
    const doc = new Document({
      creator: 'lingjun',
      title: '结业证书',
      styles: { default: { document: { run: { font: SERIF } } } },
      sections: [section(TOKENS, placeholder)],
    });
    const files = unzipSync(new Uint8Array(await Packer.toBuffer(doc)));
    const media = Object.keys(files).find((k) => k.startsWith('word/media/'));
    if (!media) throw new Error('certificate template has no QR image');
    // Split once into literal text and fields, so a certificate is one concatenation rather than a pass
    // over the whole XML per token (and a value that happens to contain a token is not substituted again).
    const byToken = new Map(Object.entries(TOKENS).map(([key, token]) => [token, key as keyof View]));
    const pieces = strFromU8(files[DOCUMENT]!).split(/(\{\{[A-Z]+\}\})/);
    const text: string[] = [];
    const fields: (keyof View)[] = [];
    const runs: (TokenRun | undefined)[] = [];
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]!;
      if (i % 2 === 0) {
        text.push(piece);
        continue;
      }
      const key = byToken.get(piece);
      if (!key) throw new Error(`certificate template has an unknown token ${piece}`);
      fields.push(key);
      const open = RUN_OPEN.exec(pieces[i - 1]!);
      runs.push(open ? { props: open[1]!, text: open[2]! } : undefined);
    }
    const slots = Object.entries(files).map(
      ([name, content]): Slot =>
        name === DOCUMENT ? 'document' : name === media ? 'media' : packPart(name, content, 8),
    );
    return { files, text, fields, runs, media, slots };
  },
);

const xmlEscape = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The run a token stands in: its properties and its text element's opening tag. */
interface TokenRun {
  props: string;
  text: string;
}
// The end of the template text before a token: the open run's properties and <w:t>.
const RUN_OPEN = /<w:rPr>((?:(?!<w:rPr>).)*)<\/w:rPr>(<w:t(?: [^>]*)?>)$/s;
const RUN_FONTS = /<w:rFonts\b[^>]*\/>/;

/**
 * A value in the token's run, with extension B-G characters moved into runs of the same properties whose
 * fonts name the fallback font (as buildCertificatesDocx writes them); the template closes the last run.
 */
function fieldXml(value: string, run: TokenRun | undefined): string {
  const parts = fontRuns(value);
  if (!run || parts.every((p) => !p.font)) return xmlEscape(value);
  let out = '';
  parts.forEach((p, i) => {
    if (i === 0 && !p.font) {
      out += xmlEscape(p.text);
      return;
    }
    let props = run.props;
    if (p.font) {
      const f = xmlEscape(p.font);
      const fonts = `<w:rFonts w:hint="eastAsia" w:ascii="${f}" w:hAnsi="${f}" w:eastAsia="${f}" w:cs="${f}"/>`;
      props = RUN_FONTS.test(props) ? props.replace(RUN_FONTS, fonts) : fonts + props;
    }
    out += `</w:t></w:r><w:r><w:rPr>${props}</w:rPr>${run.text}${xmlEscape(p.text)}`;
  });
  return out;
}

/** The certificate's document XML: the template's text with the student's values in the token runs. */
function documentXml(t: Awaited<ReturnType<typeof loadTemplate>>, d: CertificateData): string {
  const v = view(d);
  let xml = t.text[0]!;
  for (let i = 0; i < t.fields.length; i++) xml += fieldXml(v[t.fields[i]!], t.runs[i]) + t.text[i + 1]!;
  return xml;
}

/** Every part of one certificate, uncompressed, in the template's order (what fillCertificate zips). */
export async function certificateParts(
  d: CertificateData,
  qr?: Uint8Array,
): Promise<Record<string, Uint8Array>> {
  const t = await loadTemplate();
  const parts: Record<string, Uint8Array> = { ...t.files };
  parts[DOCUMENT] = Buffer.from(documentXml(t, d), 'utf8');
  parts[t.media] = qr ?? qrPng(d.verifyUrl);
  return parts;
}

/**
 * One certificate .docx: the template with its tokens replaced in word/document.xml and the QR image
 * swapped. Only the document part is deflated (the image is stored, as PNG is compressed already); the
 * template's other parts were deflated once, and the zip is written around those bytes.
 */
export async function fillCertificate(d: CertificateData, qr?: Uint8Array): Promise<Uint8Array> {
  const t = await loadTemplate();
  const document = packPart(DOCUMENT, Buffer.from(documentXml(t, d), 'utf8'), 8);
  const image = packPart(t.media, qr ?? qrPng(d.verifyUrl), 0);
  return zipPacked(t.slots.map((s) => (s === 'document' ? document : s === 'media' ? image : s)));
}
