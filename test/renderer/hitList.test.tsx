import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { HitList, rowLabel } from '../../src/renderer/src/components/HitList';

describe('a list of rows found', () => {
  it('says which chunk of its line a row is and where it is in the line, and lists two chunks of one line as two rows', () => {
    const html = renderToStaticMarkup(
      <HitList
        label="Search results"
        hits={[
          {
            place: 40,
            line: 1204,
            chunk: { index: 2, charStart: 1180, charEnd: 1795 },
            score: 0.9876,
            text: 'the third chunk',
          },
          {
            place: 41,
            line: 1204,
            chunk: { index: 3, charStart: 1700, charEnd: 2210 },
            score: 0.5,
            text: 'the fourth chunk',
          },
          { place: 2, line: 9, score: 0.25, text: 'a short line' },
        ]}
      />,
    );

    const items = html.split('<li>').slice(1);
    expect(items).toHaveLength(3);
    expect(items[0]).toContain('1,204');
    expect(items[0]).toContain('Chunk 2, characters 1,180–1,795 of the line');
    expect(items[0]).toContain('the third chunk');
    expect(items[1]).toContain('Chunk 3, characters 1,700–2,210 of the line');
    expect(items[2]).not.toContain('Chunk');
    expect(items[2]).toContain('0.250');
    expect(html).not.toContain('<button');
  });

  it('names the document, page and characters a chunk of a folder’s document comes from', () => {
    const html = renderToStaticMarkup(
      <HitList
        label="Search results"
        hits={[
          {
            place: 7,
            line: 4,
            chunk: { index: 1, charStart: 380, charEnd: 1210 },
            document: { source: 'reports/q3.pdf', page: 2 },
            score: 0.8,
            text: 'revenue grew',
          },
          {
            place: 8,
            line: 5,
            chunk: { index: 0, charStart: 0, charEnd: 40 },
            document: { source: 'notes/b.md', page: null },
            score: 0.7,
            text: 'a note',
          },
        ]}
      />,
    );

    expect(html).toContain('reports/q3.pdf, page 2: chunk 1, characters 380–1,210');
    expect(html).toContain('notes/b.md: chunk 0, characters 0–40');
    expect(
      rowLabel({ line: 4, chunk: { index: 1, charStart: 0, charEnd: 9 }, document: { source: 'a.pdf', page: 3 } }),
    ).toBe('a.pdf, page 3, chunk 1');
    expect(rowLabel({ line: 1204 })).toBe('line 1,204');
  });

  it('renders each row’s line as a button, where the list offers picking a row', () => {
    const html = renderToStaticMarkup(
      <HitList label="Neighbours" hits={[{ place: 3, line: 4, score: 0.5, text: 'a row' }]} onPick={() => undefined} />,
    );

    expect(html).toContain('<button type="button" class="line-number link" title="Show the rows nearest to this one">');
    expect(html).toContain('Neighbours of line </span>4</button>');
  });
});
