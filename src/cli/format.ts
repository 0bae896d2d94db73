const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

/** `45678` -> `45.7K`: for numbers on the progress line, where room is short. */
export function formatCompact(value: number): string {
  return compact.format(value);
}

/** `['a', 'b', 'c']` -> `a, b or c`. */
export function wordList(values: readonly string[], conjunction: 'and' | 'or'): string {
  return values.length < 2
    ? values.join('')
    : `${values.slice(0, -1).join(', ')} ${conjunction} ${values[values.length - 1]}`;
}

/** Label-value rows with the values lined up in one column. */
export function table(rows: ReadonlyArray<readonly [string, string]>, indent = ''): string {
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${indent}${label.padEnd(width)}  ${value}`).join('\n');
}

/** A JSON.stringify replacer that rounds float noise (25.141108000000026 ms) to three decimals. */
export function roundFloats(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isInteger(value) ? Math.round(value * 1000) / 1000 : value;
}
