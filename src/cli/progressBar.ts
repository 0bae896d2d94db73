import type { ProgressInfo } from '#shared/engine';
import { formatCompact } from './format';
import { formatBytes, formatClock, formatCount, formatRate } from '#shared/format';

/** The part of a terminal stream the bar uses (process.stderr when it is a TTY). */
export interface ProgressStream {
  write(text: string): unknown;
  readonly columns?: number;
}

/** Least time between two redraws: ten a second is smooth enough and costs nothing. */
export const REDRAW_INTERVAL_MS = 100;
const BAR_WIDTH = 20;
const BAR_MIN_TERMINAL_WIDTH = 110;
const DEFAULT_COLUMNS = 80;
const CLEAR_TO_END = '\x1b[K';

/** One status line redrawn in place on a terminal: the model loading, then the run's progress. */
export class ProgressBar {
  private lastDraw = -Infinity;
  private lineOpen = false;
  private closed = false;

  constructor(
    private readonly stream: ProgressStream,
    private readonly now: () => number = () => performance.now(),
  ) {}

  status(text: string): void {
    this.draw(text);
  }

  update(progress: ProgressInfo): void {
    const now = this.now();
    if (!progress.done && now - this.lastDraw < REDRAW_INTERVAL_MS) return;
    this.lastDraw = now;
    this.draw(renderProgress(progress, this.width()));
  }

  /** Writes `text` as a line of its own where the status line is; the next status or update draws below it. */
  note(text: string): void {
    if (this.closed) return;
    this.stream.write(`\r${CLEAR_TO_END}${text}\n`);
    this.lineOpen = false;
  }

  /** Leaves the last line on screen, moves below it, and ignores any later update. */
  close(): void {
    if (this.lineOpen) this.stream.write('\n');
    this.lineOpen = false;
    this.closed = true;
  }

  private draw(line: string): void {
    if (this.closed) return;
    this.stream.write(`\r${line.slice(0, this.width())}${CLEAR_TO_END}`);
    this.lineOpen = true;
  }

  /** One column short of the terminal: writing the last column makes some terminals wrap, breaking the redraw. */
  private width(): number {
    return (this.stream.columns || DEFAULT_COLUMNS) - 1;
  }
}

/** Prints what the engine says while a model loads (`note: ...`) on stderr, through the bar on a terminal. */
export function noticePrinter(
  bar: ProgressBar | null,
  stream: ProgressStream = process.stderr,
): (message: string) => void {
  return (message) => (bar ? bar.note(`note: ${message}`) : stream.write(`note: ${message}\n`));
}

/**
 * ` 42%  4,200/10,000 lines  ETA 0:41  1,234 texts/s  45.7K tokens/s  RSS 512 MiB`, cut to fit `width`, with a
 * `[████████░░░░░░░░░░░░] ` bar in front on a wide terminal.
 */
export function renderProgress(progress: ProgressInfo, width: number): string {
  const { linesDone, totalLines, fraction, done } = progress;
  const texts = done ? progress.averageTextsPerSecond : progress.textsPerSecond;
  const tokens = done ? progress.averageTokensPerSecond : progress.tokensPerSecond;
  // Most important first: on a narrow terminal the parts at the end are dropped.
  const parts = [
    fraction === null ? null : `${Math.floor(fraction * 100)}%`.padStart(4),
    totalLines === null
      ? `${formatCount(linesDone)} lines`
      : `${formatCount(linesDone)}/${formatCount(totalLines)} lines`,
    done
      ? `done in ${formatClock(progress.elapsedMs)}`
      : `ETA ${progress.etaMs === null ? '?' : formatClock(progress.etaMs)}`,
    `${formatRate(texts)} texts/s`,
    `${formatCompact(tokens)} tokens/s`,
    `RSS ${formatBytes(progress.rssBytes)}`,
  ];
  return statusLine(parts, fraction, width, BAR_MIN_TERMINAL_WIDTH);
}

/**
 * The parts that fit `width`, most important first (the last ones are dropped), two spaces apart, after a
 * `[████████░░░░░░░░░░░░] ` bar where the fraction is known and the terminal at least `barFrom` wide. Whether the bar is
 * drawn depends on the terminal's width only, so the line does not jump about as the numbers grow.
 */
export function statusLine(
  parts: ReadonlyArray<string | null>,
  fraction: number | null,
  width: number,
  barFrom: number,
): string {
  const shown = parts.filter((part) => part !== null);
  const barWidth = fraction !== null && width >= barFrom ? BAR_WIDTH : 0;
  const room = barWidth ? width - barWidth - 3 : width;
  while (shown.length > 1 && shown.join('  ').length > room) shown.pop();
  const text = shown.join('  ');
  if (!barWidth) return text;
  const filled = Math.round((fraction ?? 0) * barWidth);
  return `[${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)}] ${text}`;
}
