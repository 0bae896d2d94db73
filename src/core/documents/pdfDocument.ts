import { readFile } from 'node:fs/promises';
import { errorMessage } from '../errors';
import type { DocumentPart } from './documentPart';

type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');

let pdfjs: Promise<PdfJs> | null = null;

/** pdfjs-dist's Node build, loaded on the first PDF (it is large, and most runs read none). */
function loadPdfJs(): Promise<PdfJs> {
  pdfjs ??= import('pdfjs-dist/legacy/build/pdf.mjs');
  return pdfjs;
}

/**
 * A `.pdf` file's text, a page at a time (pdfjs-dist: a text item's end of line is a line end). The whole file is read
 * into memory, as pdfjs needs it; one page's text is held at a time. An encrypted PDF (one that asks for a password)
 * is `encrypted`, one that is not a PDF `unreadable`; a page with no text is `no-text`, and a PDF none of whose pages
 * has text (scanned images) is one `no-text` entry for the whole document. Offsets are in the page's text.
 */
export async function* readPdfDocument(path: string): AsyncGenerator<DocumentPart> {
  const data = await readFile(path);
  const size = data.length;
  const { getDocument } = await loadPdfJs();
  const task = getDocument({
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    verbosity: 0,
    isEvalSupported: false,
    useSystemFonts: false,
    disableFontFace: true,
    stopAtErrors: false,
  });
  try {
    let document;
    try {
      document = await task.promise;
    } catch (error) {
      yield openFailure(error);
      return;
    }
    let textless: number[] = [];
    let anyText = false;
    for (let page = 1; page <= document.numPages; page += 1) {
      const read = Math.round((size * page) / document.numPages);
      let text: string;
      try {
        text = await pageText(document, page);
      } catch (error) {
        yield { skip: 'unreadable', detail: `page ${page} cannot be read: ${errorMessage(error)}`, page, read };
        continue;
      }
      if (!text.trim()) {
        textless.push(page);
        continue;
      }
      // Pages without text are told once a page with text shows that the document has some.
      for (const empty of textless) yield emptyPage(empty, read);
      textless = [];
      anyText = true;
      yield { text, page, offset: 0, read };
    }
    if (!anyText) {
      yield {
        skip: 'no-text',
        detail: `none of its ${document.numPages} page(s) has text (scanned images need text recognition first)`,
        page: null,
        read: size,
      };
    } else {
      for (const empty of textless) yield emptyPage(empty, size);
    }
  } finally {
    await task.destroy();
  }
}

async function pageText(
  document: Awaited<ReturnType<PdfJs['getDocument']>['promise']>,
  number: number,
): Promise<string> {
  const page = await document.getPage(number);
  try {
    const content = await page.getTextContent();
    let text = '';
    for (const item of content.items) {
      if (!('str' in item)) continue;
      text += item.str;
      if (item.hasEOL) text += '\n';
    }
    return text;
  } finally {
    page.cleanup();
  }
}

function emptyPage(page: number, read: number): DocumentPart {
  return { skip: 'no-text', detail: `page ${page} has no text (an image?)`, page, read };
}

function openFailure(error: unknown): DocumentPart {
  const name = error instanceof Error ? error.name : '';
  if (name === 'PasswordException')
    return { skip: 'encrypted', detail: 'the PDF is encrypted: it asks for a password', page: null, read: 0 };
  if (name === 'InvalidPDFException') return { skip: 'unreadable', detail: 'not a valid PDF', page: null, read: 0 };
  return { skip: 'unreadable', detail: `the PDF cannot be read: ${errorMessage(error)}`, page: null, read: 0 };
}
