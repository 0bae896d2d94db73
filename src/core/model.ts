import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import {
  getLlama,
  GgufFileType,
  LlamaLogLevel,
  type GgufFileInfo,
  type Llama,
  type LlamaModel,
  type Token,
} from 'node-llama-cpp';
import type { Embedded, EmbeddingPool } from './embeddingPool';
import { watchEngineBuild } from './engineBuild';
import { advice, cancelledError, EmbeddingError, errorMessage } from './errors';
import { checkReadableFile } from './files';
import { checkGgufFile } from './ggufCheck';
import { probeModel, type ProbeLauncher } from './modelProbe';
import { definedOnly } from './objects';
import { checkLimit } from './limits';
import { chunkSpans, codePointOffset } from './chunker';
import { openPool, type EngineChoice } from './openPool';
import type { PhaseClock } from './phaseClock';
import {
  DEFAULT_GPU,
  chunkWindowFor,
  chunkWindowOf,
  DEFAULT_MAX_CONTEXT,
  LONG_TEXT_POLICIES,
  NORMALIZATIONS,
  type Backend,
  type BuildType,
  type ChunkWindow,
  type Engine,
  type GpuChoice,
  type ModelInfo,
  type Pooling,
  type TextOptions,
} from '#shared/engine';
import type { OptionName } from '#shared/errors';
import { LIMITS } from '#shared/limits';

/** Which llama.cpp binary to load: node-llama-cpp's choice (its local build where there is one), or its prebuilt one. */
export type BinaryChoice = 'auto' | 'prebuilt';

/** A step of loading a model, as the probe worker reports it: the binary loaded, then each engine as it is tried. */
export type LoadStep = { buildType: BuildType } | { engine: Engine };

export interface ModelOptions extends Partial<TextOptions> {
  gpu?: GpuChoice;
  /**
   * CPU threads in all; default: every core, up to the limit. On CPU each context gets one thread, so this is also the
   * context count.
   */
  threads?: number;
  /** Tokens per text the contexts hold; default: the training context, at most DEFAULT_MAX_CONTEXT. */
  contextSize?: number;
  /** Default `auto`: the batched engine where its self-test passes at load, else the contexts engine. */
  engine?: EngineChoice;
  /** Aborts loading the model. */
  signal?: AbortSignal;
  /** Default `auto`; `prebuilt` where the local build crashed on this model. */
  binary?: BinaryChoice;
  /**
   * Tries the model in a child process started by this launcher first (see modelProbe.ts): a model that crashes
   * llama.cpp then fails with an error instead of ending this process, and the binary the probe found working is used.
   */
  probe?: ProbeLauncher;
  /** Told what the user should hear about while the model loads: a wait for an engine build, a fallback binary. */
  onNotice?: (message: string) => void;
  /** Told each step before it runs; awaited, so a process that dies in a step has reported it. */
  onStep?: (step: LoadStep) => void | Promise<void>;
}

/** One chunk of a text (policies chunk and mean): its model-ready tokens and where it is in the text. */
export interface TextChunk {
  tokens: Token[];
  /** Tokens the model evaluates for it, the prefix and the special tokens included. */
  tokenCount: number;
  /** The chunk's text: `text.slice` of the UTF-16 span. */
  text: string;
  /** Where the chunk is in the text, in Unicode code points (as Python indexes a str): `[charStart, charEnd)`. */
  charStart: number;
  charEnd: number;
}

/**
 * A preview of how a run would cut a text, without changing the runs' options: its prefix and chunk sizes (null: the
 * defaults), and the most chunks to cut.
 */
export interface ChunkPreviewOptions {
  prefix: string;
  chunkTokens: number | null;
  chunkOverlap: number | null;
  limit: number;
}

/** The chunks of a text, or the reason it cannot be embedded. */
export type ChunkedText = { ok: true; chunks: TextChunk[] } | { ok: false; reason: 'no-tokens'; detail: string };

/** A text ready for the model, or the reason it cannot be embedded. */
export type PreparedText =
  | { ok: true; tokens: Token[]; tokenCount: number; truncated: boolean }
  | { ok: false; reason: 'too-long' | 'no-tokens'; detail: string };

const POOLING_NAMES: Record<number, Pooling | undefined> = { 1: 'mean', 2: 'cls', 3: 'last' };

/** The llama.cpp binaries loaded in this process, by GPU choice and binary choice. */
const llamas = new Map<string, Promise<Llama>>();
/** A local build was loaded here: its libraries would stand in for the prebuilt binary's, so that one cannot load. */
let localBuildLoaded = false;

/**
 * A CMake option no build was made with: node-llama-cpp then finds no local build for these options and loads its
 * prebuilt binary (an existing prebuilt binary need not match the options), as on a machine without `build:engine`.
 */
const PREBUILT_ONLY = { EMBEDDING_STUDIO_PREBUILT_ONLY: '1' };

function llamaFor(gpu: GpuChoice, threads: number, binary: BinaryChoice): Promise<Llama> {
  const key = `${gpu}/${binary}`;
  // Once the prebuilt binary is in use it serves every model: it runs wherever node-llama-cpp does.
  let llama = llamas.get(key) ?? (binary === 'auto' ? llamas.get(`${gpu}/prebuilt`) : undefined);
  if (!llama) {
    if (binary === 'prebuilt' && localBuildLoaded) {
      throw new EmbeddingError(
        'MODEL_UNSUPPORTED',
        "This model needs node-llama-cpp's prebuilt binary, and this process has already loaded llama.cpp's local build.",
        advice('Restart Embedding Studio and load this model first.'),
      );
    }
    llama = getLlama({
      gpu: gpu === 'cpu' ? false : gpu,
      maxThreads: threads,
      build: 'never',
      ...(binary === 'prebuilt' ? { cmakeOptions: PREBUILT_ONLY } : {}),
      progressLogs: false,
      logLevel: LlamaLogLevel.error,
      logger: (_level, message) => recentNativeErrors.push(message.trim()),
    }).then(
      (loaded) => {
        if (loaded.buildType === 'localBuild') localBuildLoaded = true;
        return loaded;
      },
      (error: unknown) => {
        llamas.delete(key);
        throw new EmbeddingError(
          'BAD_OPTION',
          `The ${gpu} backend is not available on this machine (${describeBackendError(error)}).`,
          { kind: 'chooseBackend' },
          { cause: error },
        );
      },
    );
    llamas.set(key, llama);
  }
  return llama;
}

/** llama.cpp's own error lines, kept so a failed load can say what llama.cpp complained about. */
const recentNativeErrors: string[] = [];

/**
 * A GGUF embedding model loaded through node-llama-cpp, with the contexts that embed texts on it. It turns a text
 * into model-ready tokens (prefix, long-text policy) and a vector into its final form (its first dimensions,
 * normalized).
 */
export class EmbeddingModel {
  private text: TextOptions;

  private constructor(
    private readonly loaded: Omit<ModelInfo, keyof TextOptions>,
    text: Partial<TextOptions>,
    private readonly model: LlamaModel,
    readonly pool: EmbeddingPool,
    private readonly specialTokens: number,
  ) {
    this.text = { normalize: 'l2', prefix: '', onLong: 'truncate', dimensions: null };
    this.setTextOptions(text);
  }

  get info(): ModelInfo {
    return { ...this.loaded, ...this.text };
  }

  /** Changes how texts are prepared and vectors finished, for the runs that start afterwards. */
  setTextOptions(options: Partial<TextOptions>): void {
    const next = { ...this.text, ...definedOnly(options) };
    if (!NORMALIZATIONS.includes(next.normalize))
      throw badOption('normalize', 'Normalization', next.normalize, NORMALIZATIONS);
    if (!LONG_TEXT_POLICIES.includes(next.onLong))
      throw badOption('onLong', 'The long-text policy', next.onLong, LONG_TEXT_POLICIES);
    if (next.dimensions !== null) this.checkDimensions(next.dimensions);
    this.checkChunkWindow(next);
    this.text = next;
  }

  /** The chunks long texts are cut into with the policies chunk and mean (null with the others), defaults resolved. */
  get chunkWindow(): ChunkWindow | null {
    return chunkWindowOf(this.info);
  }

  /**
   * Refuses chunks larger than the context holds, and an overlap that leaves a chunk no token of text of its own (the
   * next chunk would not move on).
   */
  private checkChunkWindow(text: TextOptions): void {
    if (text.chunkTokens !== undefined && text.chunkTokens !== null) checkLimit('chunkTokens', text.chunkTokens);
    if (text.chunkOverlap !== undefined && text.chunkOverlap !== null) checkLimit('chunkOverlap', text.chunkOverlap);
    const window = chunkWindowOf({ ...text, contextSize: this.loaded.contextSize });
    if (!window) return;
    const { tokens, overlap } = window;
    const holds = this.loaded.contextSize - 1;
    if (tokens > holds) {
      throw new EmbeddingError(
        'BAD_OPTION',
        `Chunk tokens must be at most ${holds}, what a context of ${this.loaded.contextSize} tokens holds, not ${tokens}.`,
        { kind: 'fixOption', option: 'chunkTokens', example: String(holds) },
      );
    }
    const textTokens = tokens - this.specialTokens;
    if (overlap >= textTokens) {
      throw new EmbeddingError(
        'BAD_OPTION',
        `Chunk overlap must be less than the ${textTokens} tokens of text a chunk of ${tokens} holds (beside the model's ${this.specialTokens} special tokens), not ${overlap}: each chunk must move on from the one before.`,
        { kind: 'fixOption', option: 'chunkOverlap', example: String(Math.floor(tokens / 10)) },
      );
    }
  }

  /** Refuses to keep more dimensions than the model's vectors have (and any count outside the limits). */
  private checkDimensions(dimensions: number): void {
    checkLimit('dimensions', dimensions);
    const { dimension, name } = this.loaded;
    if (dimensions > dimension) {
      throw new EmbeddingError(
        'BAD_OPTION',
        `Dimensions must be at most ${dimension} with ${name}, whose vectors have ${dimension}, not ${dimensions}.`,
        { kind: 'fewerDimensions', max: dimension },
      );
    }
  }

  static async load(path: string, options: ModelOptions = {}): Promise<EmbeddingModel> {
    const fileSize = await checkReadableFile(path, 'model');
    const fileInfo = await checkGgufFile(path, fileSize);
    const pooling = poolingOf(path, fileInfo);

    const gpu = options.gpu ?? DEFAULT_GPU;
    const threads = options.threads ?? Math.min(availableParallelism(), LIMITS.threads.max);
    checkLimit('threads', threads);
    // node-llama-cpp waits, silently, for an engine build under way to finish: the user hears of it.
    const stopWatching = options.onNotice ? watchEngineBuild(options.onNotice) : () => undefined;
    let llama: Llama;
    try {
      let binary = options.binary ?? 'auto';
      if (options.probe) {
        const probed = await probeModel(path, options.probe, { gpu, binary, signal: options.signal });
        binary = probed.binary;
        if (probed.notice) options.onNotice?.(probed.notice);
      }
      llama = await llamaFor(gpu, threads, binary);
    } finally {
      stopWatching();
    }
    const backend: Backend = llama.gpu === false ? 'cpu' : llama.gpu;
    await options.onStep?.({ buildType: llama.buildType });

    recentNativeErrors.length = 0;
    const model = await llama
      .loadModel({ modelPath: path, gpuLayers: backend === 'cpu' ? 0 : 'auto', loadSignal: options.signal })
      .catch((error: unknown) => {
        if (options.signal?.aborted) throw cancelledError();
        const native = recentNativeErrors.slice(-3).join(' ');
        throw new EmbeddingError(
          'MODEL_LOAD_FAILED',
          `Could not load model ${path}: ${errorMessage(error)}${native ? ` (llama.cpp: ${native})` : ''}`,
          advice('The file may be damaged, or its architecture not supported by this llama.cpp version.'),
          { cause: error },
        );
      });

    try {
      const trainContextSize = model.trainContextSize;
      const contextSize = options.contextSize ?? Math.min(trainContextSize, DEFAULT_MAX_CONTEXT);
      checkLimit('contextSize', contextSize);
      const { pool, engine, contexts } = await openPool(model, {
        backend,
        threads,
        contextSize,
        engine: options.engine ?? 'auto',
        onEngine: (tried) => options.onStep?.({ engine: tried }),
      });
      const info: Omit<ModelInfo, keyof TextOptions> = {
        path,
        name: fileInfo.metadata.general?.name ?? basename(path).replace(/\.gguf$/i, ''),
        fileSize,
        architecture: String(fileInfo.metadata.general?.architecture ?? 'unknown'),
        dimension: model.embeddingVectorSize,
        pooling,
        trainContextSize,
        contextSize,
        quantization: quantizationOf(fileInfo),
        backend,
        gpuName: backend === 'cpu' ? null : ((await llama.getGpuDeviceNames())[0] ?? null),
        gpuLayers: model.gpuLayers,
        threads,
        contexts,
        engine,
        buildType: llama.buildType,
        cpuFeatures: cpuFeaturesOf(llama.systemInfo),
      };
      const { normalize, prefix, onLong, dimensions, chunkTokens, chunkOverlap } = options;
      const text = { normalize, prefix, onLong, dimensions, chunkTokens, chunkOverlap };
      try {
        return new EmbeddingModel(info, text, model, pool, pool.specialTokenCount());
      } catch (error) {
        // Text options it refuses (more dimensions than the model has): the pool goes with the model.
        await pool.dispose();
        throw error;
      }
    } catch (error) {
      await model.dispose();
      throw error;
    }
  }

  /** Most text tokens one context takes: the rest of the context holds special tokens, plus one llama.cpp keeps free. */
  get maxTextTokens(): number {
    return this.loaded.contextSize - 1 - this.specialTokens;
  }

  /** Tokenizes with the model's own tokenizer and applies the prefix and the long-text policy. */
  prepare(text: string, line: number): PreparedText {
    const tokens = this.model.tokenize(this.text.prefix + text);
    if (tokens.length === 0) return { ok: false, reason: 'no-tokens', detail: 'the tokenizer produced no tokens' };
    const limit = this.maxTextTokens;
    if (tokens.length <= limit)
      return { ok: true, tokens, tokenCount: tokens.length + this.specialTokens, truncated: false };
    const detail = `${tokens.length + this.specialTokens} tokens, the context holds ${limit + this.specialTokens}`;
    switch (this.text.onLong) {
      // One text alone (a query) is not chunked: its head is embedded.
      case 'chunk':
      case 'mean':
      case 'truncate':
        return { ok: true, tokens: tokens.slice(0, limit), tokenCount: limit + this.specialTokens, truncated: true };
      case 'skip':
        return { ok: false, reason: 'too-long', detail };
      case 'fail':
        throw new EmbeddingError('TEXT_TOO_LONG', `Line ${line} is too long for the model: ${detail}.`, {
          kind: 'handleLongTexts',
        });
    }
  }

  /**
   * Cuts a text into chunks with the model's own tokenizer (see chunkSpans): windows of the chunk tokens, each
   * repeating up to the overlap of the one before. Each chunk gets the prefix. A text that fits is one chunk, its
   * tokens those `prepare` gives it. `preview`: the first chunks a run with that prefix and those chunk sizes would
   * cut, whatever the runs' options are (they are left as they are).
   */
  chunk(text: string, preview?: ChunkPreviewOptions): ChunkedText {
    const options = preview ? this.previewOptions(preview) : this.text;
    const { tokens: size, overlap } = chunkWindowFor({ ...options, contextSize: this.loaded.contextSize });
    const window = size - this.specialTokens;
    const { prefix } = options;
    const whole = this.model.tokenize(prefix + text);
    if (whole.length === 0) return { ok: false, reason: 'no-tokens', detail: 'the tokenizer produced no tokens' };
    const spans =
      whole.length <= window
        ? [{ start: 0, end: text.length }]
        : chunkSpans(
            text,
            {
              embedded: (piece) => this.model.tokenize(prefix + piece).length,
              text: (piece) => this.model.tokenize(piece).length,
            },
            window,
            overlap,
            preview?.limit,
          );
    let charStart = 0;
    let at = 0;
    return {
      ok: true,
      chunks: spans.map(({ start, end }) => {
        const piece = text.slice(start, end);
        // A single character over the window (no chunk can hold less) keeps the window's head of its tokens.
        const tokens =
          spans.length === 1 && whole.length <= window ? whole : this.model.tokenize(prefix + piece).slice(0, window);
        charStart += codePointOffset(text.slice(at, start), start - at);
        at = start;
        const chunk = { tokens, tokenCount: tokens.length + this.specialTokens, text: piece, charStart };
        return { ...chunk, charEnd: charStart + codePointOffset(piece, piece.length) };
      }),
    };
  }

  /** The text options a preview's chunks are cut with, checked as `setTextOptions` checks them. */
  private previewOptions({ prefix, chunkTokens, chunkOverlap }: ChunkPreviewOptions): TextOptions {
    const options: TextOptions = { ...this.text, onLong: 'chunk', prefix, chunkTokens, chunkOverlap };
    this.checkChunkWindow(options);
    return options;
  }

  /** Tokens a text takes in a context (prefix and special tokens included, nothing cut) and whether that fits. */
  measure(text: string): { tokens: number; fits: boolean } {
    const tokens = this.model.tokenize(this.text.prefix + text).length;
    return { tokens: tokens + this.specialTokens, fits: tokens <= this.maxTextTokens };
  }

  /** VRAM in use on the GPU the model runs on; null on CPU. */
  async vramUsedBytes(): Promise<number | null> {
    if (this.loaded.backend === 'cpu') return null;
    return (await this.model.llama.getVramState()).used;
  }

  /** Embeds one text's model-ready tokens and returns the final (cut and normalized) vector. */
  embed(tokens: readonly Token[]): Promise<Embedded> {
    return this.embedGroup([tokens])[0];
  }

  /**
   * Embeds a group of texts' model-ready tokens and returns their final (cut and normalized) vectors, in order. The
   * same group always gives the same bytes: how its texts share decodes depends on the group alone (see EmbeddingPool).
   */
  embedGroup(texts: ReadonlyArray<readonly Token[]>, clock?: PhaseClock): Array<Promise<Embedded>> {
    return this.pool.embed(texts, clock).map((embedded) =>
      embedded.then((result) => {
        const { dimensions, normalize } = this.text;
        // A copy, not a view: the vector's full buffer is not kept alive until the row is written.
        if (dimensions !== null && dimensions < result.vector.length)
          result.vector = result.vector.slice(0, dimensions);
        if (normalize === 'l2') l2Normalize(result.vector);
        return result;
      }),
    );
  }

  async dispose(): Promise<void> {
    await this.pool.dispose();
    await this.model.dispose();
  }
}

/** The CPU section of llama.cpp's system info (`CPU : SSE3 = 1 | AVX2 = 1 | AVX512 = 0 | ... | CUDA : ...`): what is on. */
export function cpuFeaturesOf(systemInfo: string): string[] {
  const features: string[] = [];
  let section = '';
  for (const part of systemInfo.split('|')) {
    const match = /^\s*(?:(\S+) : )?(\S+) = (\S+)\s*$/.exec(part);
    if (!match) continue;
    section = match[1] ?? section;
    if (section === 'CPU' && match[3] === '1' && match[2]) features.push(match[2]);
  }
  return features;
}

export function l2Normalize(vector: Float32Array): Float32Array {
  let sum = 0;
  for (const value of vector) sum += value * value;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < vector.length; i += 1) vector[i] = (vector[i] ?? 0) / norm;
  return vector;
}

function poolingOf(path: string, fileInfo: GgufFileInfo): Pooling {
  const architecture = String(fileInfo.metadata.general?.architecture ?? 'unknown');
  const section = (fileInfo.metadata as unknown as Record<string, { pooling_type?: number } | undefined>)[architecture];
  const pooling = POOLING_NAMES[section?.pooling_type ?? -1];
  if (!pooling) {
    throw new EmbeddingError(
      'NOT_EMBEDDING_MODEL',
      `${path} is not an embedding model: its ${architecture} metadata sets no mean, CLS or last-token pooling.`,
      advice(
        'Pick an embedding model (bge, nomic-embed, e5, gte, Qwen3-Embedding ...), not a chat or reranking model.',
      ),
    );
  }
  return pooling;
}

function quantizationOf(fileInfo: GgufFileInfo): string {
  const fileType = fileInfo.metadata.general?.file_type;
  const name = fileType === undefined ? undefined : GgufFileType[fileType];
  return name ? name.replace(/^(MOSTLY|ALL)_/, '') : 'unknown';
}

function badOption(option: OptionName, label: string, value: string, allowed: readonly string[]): EmbeddingError {
  return new EmbeddingError('BAD_OPTION', `${label} must be one of ${allowed.join(', ')}, not "${value}".`, {
    kind: 'fixOption',
    option,
    example: allowed[0],
  });
}

function describeBackendError(error: unknown): string {
  return error instanceof Error && error.name === 'NoBinaryFoundError'
    ? 'no llama.cpp binary for it was found'
    : errorMessage(error);
}
