import type { TableIndex } from '#shared/engine';
import type { RunRecord } from '#shared/runRecord';
import type { EmbeddingResult } from '../results';
import type { OutputWriter, WriterCheckpoint } from './outputWriter';
import { CALIBRATION_ROWS, calibrate, type VectorCodec } from './precision';

/**
 * In front of a format's writer, for int8 and uint8: holds the run's first rows (CALIBRATION_ROWS, a bounded number)
 * until their ranges are known, then writes them and every row after, scaled by those ranges. No checkpoint vouches
 * for rows held, and the first one after the calibration carries it, so a resumed run scales as the run it continues.
 * For the other precisions (and a resumed run, calibrated already) it only passes rows through.
 */
export class QuantizingWriter implements OutputWriter {
  private held: EmbeddingResult[] = [];

  /**
   * `unsaved`: the codec's ranges, calibrated (or taken from an earlier output whose rows the run reuses), are carried
   * by no checkpoint yet: the next one carries them.
   */
  constructor(
    private readonly inner: OutputWriter,
    readonly codec: VectorCodec,
    private unsaved = false,
  ) {}

  get paths(): string[] {
    return this.inner.paths;
  }

  get tableIndex(): TableIndex | null {
    return this.inner.tableIndex ?? null;
  }

  async write(results: readonly EmbeddingResult[]): Promise<void> {
    if (!this.codec.waiting) return this.inner.write(results);
    this.held.push(...results);
    if (this.held.length >= CALIBRATION_ROWS) await this.release();
  }

  /** Calibrates on the rows held, however few (a run shorter than CALIBRATION_ROWS), and writes them. */
  async release(): Promise<void> {
    if (!this.codec.waiting || !this.held.length) return;
    const rows = this.held;
    this.held = [];
    this.codec.setRanges(calibrate(rows.map((row) => row.embedding)));
    this.unsaved = true;
    await this.inner.write(rows);
  }

  async checkpoint(): Promise<WriterCheckpoint | null> {
    if (this.held.length) return null;
    const written = await this.inner.checkpoint();
    const calibration = this.codec.calibration;
    if (!written || !this.unsaved || !calibration) return written;
    this.unsaved = false;
    return { ...written, calibration };
  }

  async complete(run: RunRecord): Promise<void> {
    await this.release();
    await this.inner.complete(run);
  }

  /** The rows held are not written: no checkpoint covers them, and a resumed run embeds them again. */
  keepPartial(): Promise<void> {
    return this.inner.keepPartial();
  }

  abort(): Promise<void> {
    return this.inner.abort();
  }
}
