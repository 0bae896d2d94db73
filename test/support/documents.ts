import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * A PDF written by hand: a catalog, a page tree, a Helvetica font and a page per entry of `pages`, each line of which
 * is a text object line (ASCII, no parentheses); a page of no lines has no text. The cross-reference table gives every
 * object's byte offset. `encrypted`: the trailer names a standard security handler's /Encrypt dictionary whose
 * password is not empty, so a reader asks for one.
 */
export function pdfFile(pages: ReadonlyArray<readonly string[]>, encrypted = false): Buffer {
  const objects = ['<< /Type /Catalog /Pages 2 0 R >>'];
  const kids = pages.map((_, i) => `${4 + 2 * i} 0 R`).join(' ');
  objects.push(`<< /Type /Pages /Kids [${kids}] /Count ${pages.length} >>`);
  objects.push('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>');
  pages.forEach((lines, i) => {
    const content = lines.length ? `BT /F1 12 Tf 72 720 Td 14 TL ${lines.map((l) => `(${l}) Tj T*`).join(' ')} ET` : '';
    objects.push(
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${5 + 2 * i} 0 R >>`,
    );
    objects.push(`<< /Length ${Buffer.byteLength(content)} >>\nstream\n${content}\nendstream`);
  });
  if (encrypted) {
    const key = '00'.repeat(32);
    objects.push(`<< /Filter /Standard /V 1 /R 2 /O <${key}> /U <${key}> /P -4 >>`);
  }
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  out += offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`).join('');
  const id = `<${'ab'.repeat(16)}>`;
  const encrypt = encrypted ? ` /Encrypt ${objects.length} 0 R /ID [${id} ${id}]` : '';
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R${encrypt} >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** Writes `files` (path in the folder: content) under `folder`, making the folders they need. */
export async function writeFolder(folder: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(folder, path)), { recursive: true });
    await writeFile(join(folder, path), content);
  }
}

/** A folder of every kind: text, Markdown, HTML, a two-page PDF, an encrypted PDF, a binary file, invalid UTF-8. */
export const MIXED_FOLDER: Record<string, string | Buffer> = {
  'notes/b.md': '# Title\n\nFirst paragraph of the note.\n\nSecond paragraph.\n',
  'notes/a.txt': 'Plain text document.\n',
  'page.html':
    '<html><head><title>Hidden title</title><style>body { color: red }</style></head>' +
    '<body><h1>Heading</h1><p>Visible &amp; shown.</p><script>var hidden = 1;</script><p>Last one.</p></body></html>',
  'report.pdf': pdfFile([['First page text.', 'Its second line.'], ['Second page text.']]),
  'secret.pdf': pdfFile([['Nobody reads this.']], true),
  'blob.txt': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]),
  'latin1.txt': Buffer.from('caf\xe9 au lait\n', 'latin1'),
  'image.png': Buffer.from([0x89, 0x50, 0x4e, 0x47]),
};
