import { Parser } from 'htmlparser2';
import type { DocumentPart } from './documentPart';
import { Sections } from './sections';
import { decodedText, textProblem } from './textDocument';

/** Elements whose content is not shown. */
const HIDDEN = new Set(['head', 'script', 'style', 'noscript', 'template', 'svg', 'math', 'iframe', 'object']);
/** Elements that stand as blocks of their own: their start and end break paragraphs. */
const BLOCKS = new Set([
  'address',
  'article',
  'aside',
  'blockquote',
  'body',
  'caption',
  'dd',
  'details',
  'dialog',
  'div',
  'dl',
  'dt',
  'fieldset',
  'figcaption',
  'figure',
  'footer',
  'form',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hr',
  'li',
  'main',
  'nav',
  'ol',
  'p',
  'pre',
  'section',
  'summary',
  'table',
  'tbody',
  'td',
  'tfoot',
  'th',
  'thead',
  'tr',
  'ul',
]);

/**
 * An `.html` file's visible text: what `head`, `script`, `style` and the like hold is left out, runs of spaces and line
 * ends are one space (but in `pre`; a no-break space stays), a `br` is a line end, and a block element's start and end are a paragraph break
 * (a blank line). Entities are decoded. Read as UTF-8 (checked first, whatever the page declares), parsed as it
 * streams, and cut into sections (see Sections); offsets are in that visible text.
 */
export async function* readHtmlDocument(path: string): AsyncGenerator<DocumentPart> {
  const problem = await textProblem(path);
  if (problem) {
    yield problem;
    return;
  }
  const visible = new VisibleText();
  const parser = new Parser(
    {
      onopentag: (name) => visible.open(name),
      onclosetag: (name) => visible.close(name),
      ontext: (text) => visible.text(text),
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  const sections = new Sections();
  let read = 0;
  for await (const piece of decodedText(path)) {
    read = piece.read;
    parser.write(piece.text);
    yield* sections.add(visible.take(), read);
  }
  parser.end();
  yield* sections.add(visible.take(), read);
  yield* sections.end(read);
}

class VisibleText {
  private out = '';
  private hidden = 0;
  private pre = 0;
  /** Nothing shown yet, or a break just made: leading spaces go. */
  private atBreak = true;
  private pendingSpace = false;
  private pendingBreak: '' | '\n' | '\n\n' = '';
  private shown = false;

  open(name: string): void {
    if (this.hidden || HIDDEN.has(name)) {
      this.hidden += 1;
      return;
    }
    if (name === 'pre') this.pre += 1;
    if (name === 'br') this.lineBreak('\n');
    else if (BLOCKS.has(name)) this.lineBreak('\n\n');
  }

  close(name: string): void {
    if (this.hidden) {
      this.hidden -= 1;
      return;
    }
    if (name === 'pre') this.pre = Math.max(0, this.pre - 1);
    if (BLOCKS.has(name)) this.lineBreak('\n\n');
  }

  text(raw: string): void {
    if (this.hidden) return;
    // HTML's own spaces, not a no-break space, which the page shows.
    let text = this.pre ? raw : raw.replace(/[ \t\n\r\f]+/g, ' ');
    if (!this.pre) {
      if (this.atBreak && text.startsWith(' ')) text = text.slice(1);
      if (!text) return;
      const trailing = text.endsWith(' ');
      text = trailing ? text.slice(0, -1) : text;
      if (!text) {
        this.pendingSpace = true;
        return;
      }
      this.emit(text);
      this.pendingSpace = trailing;
    } else if (text) {
      this.emit(text);
      this.pendingSpace = false;
    }
  }

  /** The visible text since the last call. */
  take(): string {
    const out = this.out;
    this.out = '';
    return out;
  }

  private emit(text: string): void {
    if (this.shown && this.pendingBreak) this.out += this.pendingBreak;
    else if (this.shown && this.pendingSpace) this.out += ' ';
    this.out += text;
    this.shown = true;
    this.atBreak = false;
    this.pendingBreak = '';
  }

  private lineBreak(kind: '\n' | '\n\n'): void {
    if (this.pendingBreak !== '\n\n') this.pendingBreak = kind === '\n' && this.pendingBreak === '\n' ? '\n\n' : kind;
    this.pendingSpace = false;
    this.atBreak = true;
  }
}
