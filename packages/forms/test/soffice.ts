/** LibreOffice, when installed, renders a document to PDF so a test can count the pages people print. */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function findSoffice(): string | undefined {
  for (const name of ['soffice', 'libreoffice']) {
    try {
      execFileSync('which', [name], { stdio: 'pipe' });
      return name;
    } catch {
      // not on PATH
    }
  }
  return undefined;
}

/** The soffice command, or undefined when LibreOffice is not installed (the tests that need it skip). */
export const SOFFICE = findSoffice();

/** Pages of the PDF LibreOffice makes of a document. */
export async function renderedPages(content: Uint8Array, ext: 'docx' | 'xlsx'): Promise<number> {
  if (!SOFFICE) throw new Error('soffice is not installed');
  const dir = await mkdtemp(join(tmpdir(), 'lingjun-soffice-'));
  const file = join(dir, `doc.${ext}`);
  await writeFile(file, content);
  // A profile of its own: parallel test files must not share LibreOffice's user profile lock.
  execFileSync(
    SOFFICE,
    [
      `-env:UserInstallation=file://${dir}/profile`,
      '--headless',
      '--convert-to',
      'pdf',
      '--outdir',
      dir,
      file,
    ],
    { stdio: 'pipe', timeout: 120_000 },
  );
  const pdf = (await readFile(join(dir, 'doc.pdf'))).toString('latin1');
  return (pdf.match(/\/Type\s*\/Page(?!s)/g) ?? []).length;
}
