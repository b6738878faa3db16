/**
 * The certificate is zipped around parts deflated once per process (zip.ts); these check the archive against
 * another reader that verifies every CRC, and the certificate's parts against what they are made of.
 */
import { randomBytes } from 'node:crypto';
import { strFromU8, unzipSync, zipSync } from 'fflate';
import JSZip from 'jszip';
import { describe, expect, it } from 'vitest';
import { type CertificateData, certificateParts, fillCertificate, qrPng } from '../src/index.ts';
import { crc32, crc32Js, packPart, zipPacked } from '../src/zip.ts';
import { certificateData } from './certificate-data.ts';

const data: CertificateData = certificateData();

/** Every entry through JSZip with CRC checking on: name → content. */
async function readChecked(zip: Uint8Array): Promise<Map<string, Buffer>> {
  const archive = await JSZip.loadAsync(zip, { checkCRC32: true });
  const out = new Map<string, Buffer>();
  for (const name of Object.keys(archive.files)) {
    out.set(name, Buffer.from(await archive.files[name]!.async('uint8array')));
  }
  return out;
}

describe('zipPacked', () => {
  it('computes the CRC-32 zip stores, natively where Node can and in JavaScript alike', () => {
    expect(crc32Js(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    for (const n of [0, 1, 7, 4096, 100_003]) {
      const bytes = randomBytes(n);
      expect(crc32(bytes)).toBe(crc32Js(bytes));
    }
  });

  it('writes deflated and stored parts that a CRC-checking reader reads back unchanged, in order', async () => {
    const text = Buffer.from('<w:document>领军人才</w:document>'.repeat(200));
    const binary = randomBytes(3000);
    const parts = [
      packPart('[Content_Types].xml', Buffer.from('<Types/>'), 8),
      packPart('word/document.xml', text, 8),
      packPart('word/media/image1.png', binary, 0),
      packPart('docProps/空.xml', new Uint8Array(0), 8),
    ];
    expect(parts[1]!.data.length).toBeLessThan(text.length / 10);
    expect(parts[2]!.data).toBe(binary);
    const zip = zipPacked(parts, new Date('2025-07-25T08:00:00'));
    const read = await readChecked(zip);
    expect([...read.keys()]).toEqual(parts.map((p) => p.name));
    expect(read.get('word/document.xml')!.equals(text)).toBe(true);
    expect(read.get('word/media/image1.png')!.equals(binary)).toBe(true);
    expect(read.get('docProps/空.xml')!.length).toBe(0);
    // A part whose CRC does not match its content is caught by the reader: the check above means something.
    const lying = zipPacked([{ ...parts[1]!, crc: (parts[1]!.crc ^ 1) >>> 0 }]);
    await expect(readChecked(lying)).rejects.toThrow(/crc32/i);
  });
});

describe('fillCertificate from the prepared template', () => {
  it('gives the parts of the template path byte for byte, with every CRC right', async () => {
    const qr = qrPng(data.verifyUrl);
    const expected = await certificateParts(data, qr);
    const bytes = await fillCertificate(data, qr);
    const read = await readChecked(bytes);
    expect([...read.keys()]).toEqual(Object.keys(expected));
    for (const [name, content] of Object.entries(expected)) {
      expect(read.get(name)?.equals(Buffer.from(content)), name).toBe(true);
    }
    // The path it replaces compressed every part per certificate: the same parts come out of either zip.
    const old = unzipSync(zipSync(expected, { level: 6 }));
    for (const [name, content] of Object.entries(old)) {
      expect(read.get(name)?.equals(Buffer.from(content)), name).toBe(true);
    }
    const xml = strFromU8(expected['word/document.xml']!);
    expect(xml).toContain('欧阳&lt;明&gt;&amp;');
    expect(xml).not.toContain('{{');
  });

  it('changes only the document and the QR image from one student to the next', async () => {
    const a = unzipSync(await fillCertificate(data));
    const b = unzipSync(
      await fillCertificate({ ...data, name: '李四', verifyUrl: 'https://verify.example/?n=2' }),
    );
    const changed = Object.keys(a).filter((name) => !Buffer.from(a[name]!).equals(Buffer.from(b[name]!)));
    expect(changed.sort()).toEqual([
      'word/document.xml',
      Object.keys(a).find((n) => n.startsWith('word/media/')),
    ]);
  });
});
