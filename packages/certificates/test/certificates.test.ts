import { parseNumeral } from '@lingjun/program';
import { strFromU8, unzipSync } from 'fflate';
import { PNG } from 'pngjs';
import QRCode from 'qrcode';
import { describe, expect, it } from 'vitest';
import {
  type CertificateData,
  certificateCode,
  certSecretFromEnv,
  chineseDate,
  codeHash,
  codeHashMatches,
  codeMatches,
  dateRange,
  fillCertificate,
  halfDayKey,
  LOCAL_DEV_CERT_SECRET,
  normaliseCode,
  qrPng,
  readMark,
} from '../src/index.ts';
import { certificateData } from './certificate-data.ts';

const data: CertificateData = certificateData();

describe('verification codes', () => {
  it('depend on the secret and the number, and are not derivable from the number alone', () => {
    const a = certificateCode('secret-1', '2025-01-001');
    expect(a).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(certificateCode('secret-1', '2025-01-001')).toBe(a);
    expect(certificateCode('secret-2', '2025-01-001')).not.toBe(a);
    expect(certificateCode('secret-1', '2025-01-002')).not.toBe(a);
    const codes = new Set(Array.from({ length: 500 }, (_, i) => certificateCode('s', `2025-01-${i}`)));
    expect(codes.size).toBe(500);
  });

  it('accept what a person types: lower case, spaces, O for 0, I/L for 1', () => {
    const code = certificateCode('s', '2025-02-007');
    const typed = code.toLowerCase().replace(/-/g, ' ').replace(/0/g, 'o').replace(/1/g, 'l');
    expect(normaliseCode(typed)).toBe(code);
    expect(codeMatches('s', '2025-02-007', typed)).toBe(true);
    expect(codeMatches('s', '2025-02-007', 'AAAA-AAAA-AAAA')).toBe(false);
    expect(codeMatches('s', '2025-02-007', '')).toBe(false);
  });

  it('are checked against a hash keyed with the number, without the secret', () => {
    const code = certificateCode('s', '2025-02-007');
    const stored = codeHash('2025-02-007', code);
    expect(stored).toMatch(/^[0-9a-f]{64}$/);
    expect(stored).not.toContain(code.replace(/-/g, ''));
    // What a person types still matches; another certificate's hash does not.
    expect(codeHashMatches('2025-02-007', code.toLowerCase().replace(/-/g, ' '), stored)).toBe(true);
    expect(codeHashMatches('2025-02-007', 'AAAA-AAAA-AAAA', stored)).toBe(false);
    expect(codeHashMatches('2025-02-008', code, stored)).toBe(false);
    expect(codeHash('2025-02-008', code)).not.toBe(stored);
  });

  it('take the secret from the environment; a Lambda without one refuses to run', () => {
    expect(certSecretFromEnv({ LINGJUN_CERT_SECRET: 'x' })).toBe('x');
    expect(certSecretFromEnv({})).toBe(LOCAL_DEV_CERT_SECRET);
    expect(() => certSecretFromEnv({ AWS_LAMBDA_FUNCTION_NAME: 'verify' })).toThrow(/LINGJUN_CERT_SECRET/);
  });
});

describe('sign-in sheet reading', () => {
  it('reads the marks of spec §9; unknown text is no mark', () => {
    expect(['√', '✓', '出勤', ' √ '].map(readMark)).toEqual(['present', 'present', 'present', 'present']);
    expect(readMark('迟到')).toBe('late');
    expect(readMark('请假')).toBe('leave');
    expect(['缺勤', '×', 'X', ''].map(readMark)).toEqual(['absent', 'absent', 'absent', 'absent']);
    expect(readMark('出差')).toBeUndefined();
  });

  it('keys half-day columns by date and period, however they are written', () => {
    expect(halfDayKey('6月24日上午', '2025-06-24')).toBe('2025-06-24AM');
    expect(halfDayKey('2025-06-24 下午', '2025-06-24')).toBe('2025-06-24PM');
    expect(halfDayKey('06/25\n上午', '2025-06-24')).toBe('2025-06-25AM');
    expect(halfDayKey('第3天下午', '2025-06-24')).toBe('2025-06-26PM');
    expect(halfDayKey('单位', '2025-06-24')).toBeUndefined();
    expect(halfDayKey('备注')).toBeUndefined();
  });

  it('reads class numbers as people write them', () => {
    expect(['1', '01', '一', '十', '十二', '二十'].map(parseNumeral)).toEqual([1, 1, 1, 10, 12, 20]);
    expect(parseNumeral('abc')).toBeUndefined();
  });
});

describe('certificate document', () => {
  it('formats dates as certificates do', () => {
    expect(chineseDate('2025-06-27')).toBe('二〇二五年六月二十七日');
    expect(chineseDate('2025-10-10')).toBe('二〇二五年十月十日');
    expect(dateRange('2025-06-24', '2025-06-27')).toBe('2025年6月24日至6月27日');
    expect(dateRange('2025-12-30', '2026-01-02')).toBe('2025年12月30日至2026年1月2日');
  });

  it('fills the template: A4 landscape, Chinese serif font, escaped values, QR image swapped', async () => {
    const bytes = await fillCertificate(data);
    const files = unzipSync(bytes);
    const xml = strFromU8(files['word/document.xml']!);
    expect(xml).toMatch(/<w:pgSz[^>]*w:w="16838"[^>]*w:h="11906"[^>]*w:orient="landscape"/);
    expect(xml).toContain('w:eastAsia="宋体"');
    expect(xml).toContain('欧阳&lt;明&gt;&amp;');
    expect(xml).not.toContain('{{');
    expect(xml).toContain('2025年7月22日至7月25日');
    expect(xml).toContain('二〇二五年七月二十五日');
    expect(xml).toContain('>3<');
    const media = Object.keys(files).filter((f) => f.startsWith('word/media/'));
    expect(media).toHaveLength(1);
    const png = files[media[0]!]!;
    expect(Array.from(png.subarray(1, 4))).toEqual([0x50, 0x4e, 0x47]);
    const other = unzipSync(await fillCertificate({ ...data, verifyUrl: 'https://verify.example/?n=x' }));
    expect(Buffer.from(other[media[0]!]!).equals(Buffer.from(png))).toBe(false);
  });

  it('draws the QR code as a PNG that decodes to the modules qrcode encodes, ~240 px, one-module quiet zone', async () => {
    const urls = [
      'https://v.example/?n=1',
      data.verifyUrl,
      `https://verify.example.cn/v?n=LJ2025-03-0001&c=ABCD-EFGH-JKMN&${'x'.repeat(150)}`,
    ];
    const versions = new Set<number>();
    for (const url of urls) {
      const qr = QRCode.create(url, { errorCorrectionLevel: 'M' });
      versions.add(qr.version);
      const { size, data: dark } = qr.modules;
      // pngjs checks the chunk CRCs and the zlib stream, and expands 1-bit greyscale to RGBA.
      const img = PNG.sync.read(Buffer.from(qrPng(url)));
      const scale = img.width / (size + 2);
      expect(Number.isInteger(scale)).toBe(true);
      expect(img.height).toBe(img.width);
      expect(Math.abs(img.width - 240)).toBeLessThanOrEqual((size + 2) / 2);
      const wrong: string[] = [];
      for (let y = 0; y < img.height; y++) {
        for (let x = 0; x < img.width; x++) {
          const mx = Math.floor(x / scale) - 1;
          const my = Math.floor(y / scale) - 1;
          const inSymbol = mx >= 0 && my >= 0 && mx < size && my < size;
          const want = inSymbol && dark[my * size + mx] ? 0 : 255;
          const at = (y * img.width + x) * 4;
          const px = [img.data[at], img.data[at + 1], img.data[at + 2], img.data[at + 3]];
          if (px.join() !== `${want},${want},${want},255`) wrong.push(`${url} (${x},${y}): ${px.join()}`);
        }
      }
      expect(wrong.slice(0, 5)).toEqual([]);
    }
    expect(versions.size).toBe(urls.length);
    const files = unzipSync(await fillCertificate(data));
    const media = Object.keys(files).find((f) => f.startsWith('word/media/'))!;
    expect(Buffer.from(files[media]!).equals(Buffer.from(qrPng(data.verifyUrl)))).toBe(true);
  });

  // Speed is the bench's certificates stage (1,000 fillCertificate against a floor), not a wall-clock bound here.
  it('fills 200 certificates, each with its own number and QR code', async () => {
    const filled = [];
    for (let i = 0; i < 200; i++)
      filled.push(unzipSync(await fillCertificate({ ...data, number: `2025-03-${i}` })));
    expect(filled).toHaveLength(200);
    const documents = filled.map((f) => new TextDecoder().decode(f['word/document.xml']));
    expect(documents.every((xml, i) => xml.includes(`2025-03-${i}<`))).toBe(true);
  });
});
