import { checkJobFiles, runEmbedJob, type CheckedFiles } from '#core/embedJob';
import { checkPrecision } from '#core/output/precision';
import { EmbedJobError, EmbeddingError } from '#core/errors';
import type { InputOptions } from '#core/input';
import type { EmbeddingModel } from '#core/model';
import { PauseGate } from '#core/pauseGate';
import { IDLE_JOB, type JobSettings, type JobStart, type JobState } from '#shared/contract';
import { EVENT_INTERVAL_MS } from '#shared/protocol';
import { JobEvents, type Emit } from './jobEvents';
import { RequestError, toReplyError } from './requestError';

interface ActiveRun {
  id: number;
  abort: AbortController;
  gate: PauseGate;
  events: JobEvents;
  finished: Promise<void>;
}

/**
 * Runs one embedding job at a time on the loaded model: idle → running ⇄ paused → done | failed | cancelled, through
 * cancelling when asked to stop. Every transition is sent as a `job:state` event; vectors go to the output file only.
 */
export class JobRunner {
  private state: JobState = IDLE_JOB;
  private active: ActiveRun | null = null;
  /** The file checks of a job being started. */
  private starting: Promise<unknown> | null = null;
  private lastId = 0;

  constructor(private readonly emit: Emit) {}

  /** A job is starting, running, paused or being cancelled. */
  get busy(): boolean {
    return this.starting !== null || this.active !== null;
  }

  get current(): JobState {
    return this.active ? { ...this.state, progress: this.active.events.lastProgress } : this.state;
  }

  /**
   * Checks the files, then starts the job (continuing the unfinished run of the output with `resume`, reusing the rows
   * of the earlier output `reuse`) and answers with its `running` state without waiting for it.
   */
  async start({ resume, reuse, ...settings }: JobStart, model: EmbeddingModel | null): Promise<JobState> {
    if (this.busy)
      throw new RequestError('BUSY', 'A run is already in progress.', 'Wait for it to finish, or cancel it first.');
    if (!model)
      throw new RequestError('NO_MODEL', 'No model is loaded.', 'Load a GGUF embedding model before starting a run.');
    // Known before the run where the dimensions are given.
    if (settings.dimensions !== null) checkPrecision(settings.precision, settings.dimensions);
    const checked = checkJobFiles({
      ...settings,
      inputOptions: inputOptionsOf(settings),
      format: settings.format ?? undefined,
      resume,
    });
    this.starting = checked.catch(() => undefined);
    let files: CheckedFiles;
    try {
      files = await checked;
      const { normalize, prefix, onLong, dimensions, chunkTokens, chunkOverlap } = settings;
      model.setTextOptions({ normalize, prefix, onLong, dimensions, chunkTokens, chunkOverlap });
    } finally {
      this.starting = null;
    }
    this.lastId += 1;
    const id = this.lastId;
    const gate = new PauseGate();
    const run: ActiveRun = {
      id,
      abort: new AbortController(),
      gate,
      events: new JobEvents(id, this.emit, { isPaused: () => gate.paused, vramUsedBytes: () => model.vramUsedBytes() }),
      finished: Promise.resolve(),
    };
    this.active = run;
    this.setState({ ...IDLE_JOB, status: 'running', jobId: id, settings });
    run.finished = this.execute(run, settings, { resume, reuse }, model, files);
    return this.current;
  }

  pause(): JobState {
    if (this.active && this.state.status === 'running') {
      this.active.gate.pause();
      this.setState({ ...this.state, status: 'paused' });
    }
    return this.current;
  }

  resume(): JobState {
    if (this.active && this.state.status === 'paused') {
      this.active.gate.resume();
      this.setState({ ...this.state, status: 'running' });
    }
    return this.current;
  }

  /** Asks the job to stop; it ends as `cancelled` once its files are cleaned up. */
  cancel(): JobState {
    if (this.active && (this.state.status === 'running' || this.state.status === 'paused')) {
      this.active.abort.abort();
      this.setState({ ...this.state, status: 'cancelling' });
    }
    return this.current;
  }

  /** Cancels the job, if any (one being started included), and resolves once it has stopped and cleaned up. */
  async stop(): Promise<void> {
    await this.starting;
    this.cancel();
    await this.active?.finished;
  }

  private async execute(
    run: ActiveRun,
    settings: JobSettings,
    { resume, reuse }: Pick<JobStart, 'resume' | 'reuse'>,
    model: EmbeddingModel,
    files: CheckedFiles,
  ): Promise<void> {
    let end: Partial<JobState>;
    try {
      const summary = await runEmbedJob(
        {
          model,
          input: settings.input,
          inputOptions: inputOptionsOf(settings),
          output: settings.output,
          format: settings.format ?? undefined,
          precision: settings.precision,
          overwrite: settings.overwrite,
          resume,
          ...(reuse === null ? {} : { reuse }),
          batch: {
            batchSize: settings.batchSize,
            continueOnError: settings.continueOnError,
            memoryLimitMb: settings.memoryLimitMb,
            progressIntervalMs: EVENT_INTERVAL_MS,
          },
          signal: run.abort.signal,
          pause: run.gate,
          onProgress: (progress) => run.events.onProgress(progress),
          onSkip: (skipped) => run.events.onSkip(skipped),
        },
        files,
      );
      end = { status: 'done', summary };
    } catch (error) {
      if (error instanceof EmbeddingError && error.code === 'CANCELLED') end = { status: 'cancelled' };
      else
        end = {
          status: 'failed',
          error: toReplyError(error),
          partialStats: error instanceof EmbedJobError ? error.stats : null,
        };
    }
    // The last progress and log lines go out before the state that ends the run.
    await run.events.close();
    this.active = null;
    this.setState({ ...this.state, ...end, progress: run.events.lastProgress });
  }

  private setState(state: JobState): void {
    this.state = state;
    this.emit('job:state', this.current);
  }
}

/** How the input is read: a file's format and JSON field, a folder's glob and the field of its JSON Lines and CSV files. */
function inputOptionsOf({ inputFormat, field, glob }: JobSettings): InputOptions {
  return {
    ...(inputFormat === null ? {} : { format: inputFormat }),
    ...(field === null ? {} : { field }),
    ...(glob === null ? {} : { glob }),
  };
}
