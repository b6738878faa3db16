/**
 * The certificate leaves room for the issuing body's seal (公章) over the issuer and date, and still prints on
 * one page (issue 15); LibreOffice renders it when it is installed.
 */
import { strFromU8, unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { renderedPages, SOFFICE } from '../../forms/test/soffice.ts';
import {
  buildCertificatesDocx,
  type CertificateData,
  fillCertificate,
  SEAL_COLUMN,
  SEAL_SPACE,
} from '../src/index.ts';
import { certificateData } from './certificate-data.ts';

const data: CertificateData = certificateData({ name: '欧阳明' });
// The longest lines a certificate is likely to carry: a long enterprise name, a long issuer, a rare name.
const long: CertificateData = {
  ...data,
  name: '买买提·艾力𠮷',
  enterprise: '新疆维吾尔自治区乌鲁木齐经济技术开发区某某某某智能装备制造股份有限公司',
  location: '内蒙古自治区呼和浩特市',
  issuer: '广西壮族自治区工业和信息化厅',
};

const TWIPS_PER_MM = 1440 / 25.4;

if (!SOFFICE)
  console.warn(
    'soffice (LibreOffice) is not installed: the certificate is checked by its layout only, not rendered.',
  );

/** The table cells of document.xml's last table row: width, vertical alignment and text of each. */
function lastRow(xml: string) {
  const rows = [...xml.matchAll(/<w:tr>(.*?)<\/w:tr>/gs)].map((m) => m[1]!);
  const row = rows.at(-1)!;
  const height = /<w:trHeight w:val="(\d+)" w:hRule="(\w+)"\/>/.exec(row);
  const cells = [...row.matchAll(/<w:tc>(.*?)<\/w:tc>/gs)].map((m) => ({
    width: Number(/<w:tcW w:type="dxa" w:w="(\d+)"\/>/.exec(m[1]!)?.[1]),
    vAlign: /<w:vAlign w:val="(\w+)"\/>/.exec(m[1]!)?.[1],
    text: [...m[1]!.matchAll(/<w:t(?: [^>]*)?>([^<]*)<\/w:t>/g)].map((t) => t[1]).join(''),
    image: m[1]!.includes('<w:drawing>'),
  }));
  return { height: height ? { value: Number(height[1]), rule: height[2] } : undefined, cells };
}

describe('room for the seal', () => {
  it('is at least a 42 mm square beside the QR code, holding only the issuer and the date', async () => {
    expect(SEAL_SPACE).toBeGreaterThanOrEqual(Math.ceil(42 * TWIPS_PER_MM));
    expect(SEAL_COLUMN).toBeGreaterThanOrEqual(SEAL_SPACE);
    for (const make of [() => fillCertificate(data), () => buildCertificatesDocx([data])]) {
      const xml = strFromU8(unzipSync(await make())['word/document.xml']!);
      const { height, cells } = lastRow(xml);
      expect(height).toEqual({ value: SEAL_SPACE, rule: 'atLeast' });
      expect(xml).toContain('<w:cantSplit/>');
      expect(xml).toContain('<w:tblLayout w:type="fixed"/>');
      const seal = cells.at(-1)!;
      expect(seal).toEqual({
        width: SEAL_COLUMN,
        vAlign: 'center',
        text: '工业和信息化部人才交流中心二〇二五年七月二十五日',
        image: false,
      });
      // The QR code sits in its own cell, left of the seal, so the stamp does not cover it.
      expect(cells.findIndex((c) => c.image)).toBe(cells.length - 2);
      // The issuer and the date appear nowhere else.
      expect(xml.split('工业和信息化部人才交流中心')).toHaveLength(2);
    }
  });

  it.skipIf(!SOFFICE)(
    'LibreOffice renders a certificate on one page, and the print document on one page per certificate',
    { timeout: 240_000 },
    async () => {
      expect(await renderedPages(await fillCertificate(data), 'docx')).toBe(1);
      expect(await renderedPages(await fillCertificate(long), 'docx')).toBe(1);
      expect(await renderedPages(await buildCertificatesDocx([data, long, data]), 'docx')).toBe(3);
    },
  );
});
