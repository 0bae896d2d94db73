import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type GgufTensor, type GgufTensorType, type GgufValue, writeGguf } from './gguf';

export type BertPooling = 'none' | 'mean' | 'cls' | 'last';

export interface BertModelSpec {
  name: string;
  embeddingLength: number;
  blockCount: number;
  headCount: number;
  feedForwardLength: number;
  contextLength: number;
  pooling: BertPooling;
  /**
   * The type of the 2-D weight matrices (token embeddings and every linear layer). With Q8_0 or Q4_0 the model is laid
   * out as llama-quantize leaves an F16 model: position embeddings stay F16; norms, biases and token types stay F32.
   */
  weightType: GgufTensorType;
  seed: number;
  /** Pads the generated vocabulary with `[unusedN]` tokens up to this size. */
  vocabSize?: number;
}

export const TINY: BertModelSpec = {
  name: 'tiny-bert',
  embeddingLength: 32,
  blockCount: 2,
  headCount: 4,
  feedForwardLength: 64,
  contextLength: 128,
  pooling: 'mean',
  weightType: 'F32',
  seed: 1,
};

/**
 * TINY with a 100,000-token vocabulary (about 13 MB): three of the downloader's 5 MiB chunks, and logits that would be
 * large enough to see (400 kB a token).
 */
export const WIDE_VOCAB: BertModelSpec = { ...TINY, name: 'tiny-bert-wide-vocab', vocabSize: 100_000, seed: 3 };

/** Same tensor shapes as bge-small-en-v1.5 (about 67 MB); random weights, for benchmarks only. */
export const BGE_SMALL_SHAPE: BertModelSpec = {
  name: 'bge-small-shape',
  embeddingLength: 384,
  blockCount: 12,
  headCount: 12,
  feedForwardLength: 1536,
  contextLength: 512,
  pooling: 'cls',
  weightType: 'F16',
  seed: 2,
  vocabSize: 30522,
};

/** Same tensor shapes as bge-large-en-v1.5 (about 670 MB); random weights, for the GPU benchmark. */
export const BGE_LARGE_SHAPE: BertModelSpec = {
  name: 'bge-large-shape',
  embeddingLength: 1024,
  blockCount: 24,
  headCount: 16,
  feedForwardLength: 4096,
  contextLength: 512,
  pooling: 'cls',
  weightType: 'F16',
  seed: 3,
  vocabSize: 30522,
};

/** TINY, with its weights in the formats users run: the same seed, so each is the F16 model quantized. */
export const TINY_F16: BertModelSpec = { ...TINY, name: 'tiny-bert-f16', weightType: 'F16' };
export const TINY_Q8_0: BertModelSpec = { ...TINY, name: 'tiny-bert-q8_0', weightType: 'Q8_0' };
export const TINY_Q4_0: BertModelSpec = { ...TINY, name: 'tiny-bert-q4_0', weightType: 'Q4_0' };

/** llama.cpp's llama_ftype for a model whose weight matrices are of this type. */
const FILE_TYPE_IDS: Record<GgufTensorType, number> = { F32: 0, F16: 1, Q4_0: 2, Q8_0: 7 };

export const POOLING_TYPE_IDS: Record<BertPooling, number> = { none: 0, mean: 1, cls: 2, last: 3 };

const WORDS = `
the of and to a in is it you that he was for on are with as i his they be at one have this from or had by
not word but what some we can out other were all there when up use your how said an each she which do their
time if will way about many then them write would like so these her long make thing see him two has look more
day could go come did number sound no most people my over know water than call first who may down side been now
find any new work part take get place made live where after back little only round man year came show every good
me give our under name very through just form sentence great think say help low line differ turn cause much mean
before move right boy old too same tell does set three want air well also play small end put home read hand port
large spell add even land here must big high such follow act why ask men change went light kind off need house
picture try us again animal point mother near build self earth father head stand own page should country found
answer school grow study still learn plant cover food sun four between state keep eye never last let thought city
tree cross farm hard start might story saw far sea draw left late run while press close night real life few north
open seem together next white children begin got walk example ease paper group always music those both mark often
letter until mile river car feet care second book carry took science eat room friend began idea fish mountain stop
once base hear horse cut sure watch color face wood main enough plain girl usual young ready above ever red list
though feel talk bird soon body dog family direct pose leave song measure door product black short numeral class
wind question happen complete ship area half rock order fire south problem piece told knew pass since top whole
king space heard best hour better true during hundred five remember step early hold west ground interest reach
fast verb sing listen six table travel less morning ten simple several vowel toward war lay against pattern slow
center love person money serve appear road map rain rule govern pull cold notice voice unit power town fine
certain fly fall lead cry dark machine note wait plan figure star box noun field rest correct able pound done
beauty drive stood contain front teach week final gave green oh quick develop ocean warm free minute strong special
mind behind clear tail produce fact street inch multiply nothing course stay wheel full force blue object decide
surface deep moon island foot system busy test record boat common gold possible plane stead dry wonder laugh
thousand ago ran check game shape equate hot miss brought heat snow tire bring yes distant fill east paint language
among hello world embedding model vector text file data`;
const CONTROL_TOKENS: readonly string[] = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
const SUFFIXES = ['s', 'es', 'ed', 'ing', 'ly', 'er', 'est', 'ion', 'ment', 'ness', 'able', 'ful'];
const CJK =
  '的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可里后小么心多天' +
  '東京日本語文漢字北南西山川水火木金土月時間電車駅店';

/**
 * WordPiece vocabulary in llama.cpp's form: word starts get a "▁" prefix, `##` continuations lose it.
 * Special tokens sit at bert-base-uncased's ids because llama.cpp ignores `cls_token_id` and defaults
 * BOS to 101 for WordPiece vocabularies; node-llama-cpp then prepends it as [CLS].
 */
function bertVocabulary(minSize: number): { tokens: string[]; tokenTypes: number[] } {
  const unused = (i: number): string => `[unused${i}]`;
  const reserved = ['[PAD]', ...Array.from({ length: 99 }, (_, i) => unused(i)), '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
  const ascii = Array.from({ length: 0x7f - 0x21 }, (_, i) => String.fromCharCode(0x21 + i));
  // llama.cpp strips accents, but letters like ß, æ, ø and þ stay as they are.
  const latin = Array.from({ length: 0x100 - 0xc0 }, (_, i) => String.fromCharCode(0xc0 + i)).filter(
    (c) => c !== '×' && c !== '÷',
  );
  const starts = [...ascii, ...latin, ...CJK, ...WORDS.split(/\s+/).filter(Boolean)];
  const continuations = [...ascii, ...latin, ...CJK, ...SUFFIXES];
  const normal = [...new Set([...starts.map((t) => `\u2581${t}`), ...continuations])];
  for (let i = 99; reserved.length + normal.length < minSize; i++) normal.push(unused(i));
  const tokens = [...reserved, ...normal];
  return { tokens, tokenTypes: tokens.map((t) => (CONTROL_TOKENS.includes(t) ? 3 : 1)) };
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform random weights with standard deviation `std`, the same for the same seed and tensor name in any order. */
export function randomValues(n: number, std: number, seed: number, name: string): Float32Array {
  const random = mulberry32(createHash('sha256').update(`${seed}:${name}`).digest().readUInt32LE(0));
  const halfWidth = std * Math.sqrt(3);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (random() * 2 - 1) * halfWidth;
  return out;
}

/** Metadata and lazily generated tensors of a random BERT model; tests may alter them before `writeGguf`. */
export function bertModelParts(spec: BertModelSpec): { metadata: Record<string, GgufValue>; tensors: GgufTensor[] } {
  const { tokens, tokenTypes } = bertVocabulary(spec.vocabSize ?? 0);
  const n = spec.embeddingLength;
  const u32 = (value: number): GgufValue => ({ type: 'u32', value });
  const metadata: Record<string, GgufValue> = {
    'general.architecture': { type: 'string', value: 'bert' },
    'general.name': { type: 'string', value: spec.name },
    'general.file_type': u32(FILE_TYPE_IDS[spec.weightType]),
    'bert.context_length': u32(spec.contextLength),
    'bert.embedding_length': u32(n),
    'bert.feed_forward_length': u32(spec.feedForwardLength),
    'bert.block_count': u32(spec.blockCount),
    'bert.attention.head_count': u32(spec.headCount),
    'bert.attention.layer_norm_epsilon': { type: 'f32', value: 1e-12 },
    'bert.attention.causal': { type: 'bool', value: false },
    'bert.pooling_type': u32(POOLING_TYPE_IDS[spec.pooling]),
    'tokenizer.ggml.model': { type: 'string', value: 'bert' },
    'tokenizer.ggml.pre': { type: 'string', value: 'bert-bge' },
    'tokenizer.ggml.tokens': { type: 'array', itemType: 'string', value: tokens },
    'tokenizer.ggml.token_type': { type: 'array', itemType: 'i32', value: tokenTypes },
    'tokenizer.ggml.token_type_count': u32(2),
    'tokenizer.ggml.unknown_token_id': u32(tokens.indexOf('[UNK]')),
    'tokenizer.ggml.seperator_token_id': u32(tokens.indexOf('[SEP]')),
    'tokenizer.ggml.padding_token_id': u32(tokens.indexOf('[PAD]')),
    'tokenizer.ggml.cls_token_id': u32(tokens.indexOf('[CLS]')),
    'tokenizer.ggml.mask_token_id': u32(tokens.indexOf('[MASK]')),
  };

  const random = (name: string, shape: number[], std: number, type: GgufTensorType = spec.weightType): GgufTensor => ({
    name,
    shape,
    type,
    data: () =>
      randomValues(
        shape.reduce((a, b) => a * b, 1),
        std,
        spec.seed,
        name,
      ),
  });
  const linear = (name: string, nIn: number, nOut: number): GgufTensor[] => [
    random(`${name}.weight`, [nIn, nOut], 1 / Math.sqrt(nIn)),
    random(`${name}.bias`, [nOut], 0.02, 'F32'),
  ];
  const norm = (name: string): GgufTensor[] => [
    { name: `${name}.weight`, shape: [n], type: 'F32', data: () => new Float32Array(n).fill(1) },
    { name: `${name}.bias`, shape: [n], type: 'F32', data: () => new Float32Array(n) },
  ];

  const quantized = spec.weightType === 'Q8_0' || spec.weightType === 'Q4_0';
  const tensors: GgufTensor[] = [
    random('token_embd.weight', [n, tokens.length], 1),
    random('token_types.weight', [n, 2], 0.1, 'F32'),
    random('position_embd.weight', [n, spec.contextLength], 0.5, quantized ? 'F16' : spec.weightType),
    ...norm('token_embd_norm'),
  ];
  for (let i = 0; i < spec.blockCount; i++) {
    tensors.push(
      ...linear(`blk.${i}.attn_q`, n, n),
      ...linear(`blk.${i}.attn_k`, n, n),
      ...linear(`blk.${i}.attn_v`, n, n),
      ...linear(`blk.${i}.attn_output`, n, n),
      ...norm(`blk.${i}.attn_output_norm`),
      ...linear(`blk.${i}.ffn_up`, n, spec.feedForwardLength),
      ...linear(`blk.${i}.ffn_down`, spec.feedForwardLength, n),
      ...norm(`blk.${i}.layer_output_norm`),
    );
  }
  return { metadata, tensors };
}

export async function writeBertModel(path: string, spec: BertModelSpec): Promise<void> {
  const { metadata, tensors } = bertModelParts(spec);
  await writeGguf(path, metadata, tensors);
}

const pending = new Map<string, Promise<string>>();

/**
 * Path of a cached copy of the model, generated on first use. The cache key covers the generator's source,
 * so editing this file or the writer never serves a stale model. Files are renamed into place once complete,
 * so concurrent test workers never read a partial file.
 */
export function testModelPath(spec: BertModelSpec): Promise<string> {
  const key = JSON.stringify(spec);
  let result = pending.get(key);
  if (!result) {
    result = generateCached(spec);
    pending.set(key, result);
  }
  return result;
}

async function generateCached(spec: BertModelSpec): Promise<string> {
  const hash = createHash('sha256').update(JSON.stringify(spec));
  for (const source of [import.meta.url, new URL('./gguf.ts', import.meta.url).href]) {
    hash.update(await readFile(fileURLToPath(source)));
  }
  const dir = join(tmpdir(), 'embedding-studio-test-models');
  const path = join(dir, `${spec.name}-${hash.digest('hex').slice(0, 16)}.gguf`);
  if (existsSync(path)) return path;
  await mkdir(dir, { recursive: true });
  const temp = `${path}.${randomUUID()}.tmp`;
  try {
    await writeBertModel(temp, spec);
    await rename(temp, path);
  } finally {
    await rm(temp, { force: true });
  }
  return path;
}
