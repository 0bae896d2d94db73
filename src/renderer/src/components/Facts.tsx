import type { ReactNode } from 'react';

/** Label–value pairs, such as a model's properties or a run's totals. */
export function Facts({ rows, label }: { rows: ReadonlyArray<readonly [string, ReactNode]>; label: string }) {
  return (
    <dl className="facts" aria-label={label}>
      {rows.map(([term, value]) => (
        <div key={term} className="fact">
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
