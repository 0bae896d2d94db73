import { EmbeddingError } from '../errors';

/**
 * A matcher of paths relative to a folder ('/' separators) by a glob: `*` any characters but '/', `?` one of them,
 * `**` as a whole segment any number of folders (none included), `[abc]` / `[a-z]` / `[!abc]` one character of a set,
 * `{a,b}` either pattern; `\` makes the next character literal. Node 20's `path.matchesGlob` is experimental (it
 * prints a warning on every run), hence this one.
 */
export function globMatcher(glob: string): (path: string) => boolean {
  const pattern = new RegExp(`^${globSource(glob, 0, glob.length)}$`, 'u');
  return (path) => pattern.test(path);
}

function globSource(glob: string, from: number, to: number): string {
  let source = '';
  let at = from;
  while (at < to) {
    const char = glob.charAt(at);
    if (char === '*') {
      const atSegmentStart = at === from || glob.charAt(at - 1) === '/';
      const double = glob.charAt(at + 1) === '*';
      if (double && atSegmentStart && (at + 2 === to || glob.charAt(at + 2) === '/')) {
        // `**/` matches no folder or any number of them; a final `**` anything left.
        source += at + 2 === to ? '.*' : '(?:[^/]*(?:/[^/]*)*/)?';
        at += 3;
        continue;
      }
      source += '[^/]*';
      at += double ? 2 : 1;
    } else if (char === '?') {
      source += '[^/]';
      at += 1;
    } else if (char === '[') {
      const end = classEnd(glob, at, to);
      if (end === -1) throw badGlob(glob, `its [ at ${at + 1} is never closed`);
      const negated = glob.charAt(at + 1) === '!' || glob.charAt(at + 1) === '^';
      const body = glob.slice(at + (negated ? 2 : 1), end).replace(/[\\\]^]/g, '\\$&');
      source += negated ? `(?!/)[^${body}]` : `[${body}]`;
      at = end + 1;
    } else if (char === '{') {
      const end = braceEnd(glob, at, to);
      if (end === -1) throw badGlob(glob, `its { at ${at + 1} is never closed`);
      const options = splitOptions(glob, at + 1, end).map(([start, stop]) => globSource(glob, start, stop));
      source += `(?:${options.join('|')})`;
      at = end + 1;
    } else if (char === '\\' && at + 1 < to) {
      source += escapeRegExp(glob.charAt(at + 1));
      at += 2;
    } else {
      source += escapeRegExp(char);
      at += 1;
    }
  }
  return source;
}

function classEnd(glob: string, open: number, to: number): number {
  let at = open + 1;
  if (glob.charAt(at) === '!' || glob.charAt(at) === '^') at += 1;
  // A ] first in the set is one of its characters.
  if (glob.charAt(at) === ']') at += 1;
  const end = glob.indexOf(']', at);
  return end === -1 || end >= to ? -1 : end;
}

function braceEnd(glob: string, open: number, to: number): number {
  let depth = 0;
  for (let at = open; at < to; at += 1) {
    const char = glob.charAt(at);
    if (char === '\\') at += 1;
    else if (char === '{') depth += 1;
    else if (char === '}') {
      depth -= 1;
      if (depth === 0) return at;
    }
  }
  return -1;
}

/** The comma-separated options of a brace, as [start, end) spans: commas inside nested braces belong to them. */
function splitOptions(glob: string, from: number, to: number): Array<[number, number]> {
  const options: Array<[number, number]> = [];
  let depth = 0;
  let start = from;
  for (let at = from; at < to; at += 1) {
    const char = glob.charAt(at);
    if (char === '\\') at += 1;
    else if (char === '{') depth += 1;
    else if (char === '}') depth -= 1;
    else if (char === ',' && depth === 0) {
      options.push([start, at]);
      start = at + 1;
    }
  }
  options.push([start, to]);
  return options;
}

function escapeRegExp(char: string): string {
  return /[.*+?^${}()|[\]\\/-]/.test(char) ? `\\${char}` : char;
}

function badGlob(glob: string, why: string): EmbeddingError {
  return new EmbeddingError('BAD_OPTION', `The glob "${glob}" cannot be read: ${why}.`, {
    kind: 'fixOption',
    option: 'glob',
    example: '**/*.md',
  });
}
