import { writeGguf, type GgufTensor, type GgufValue } from './gguf';
import { bertModelParts, POOLING_TYPE_IDS, randomValues, TINY, type BertPooling } from './testModels';

/**
 * A tiny decoder embedding model: llama architecture (causal attention, a KV cache, as Qwen3-Embedding and other
 * decoder embedding models have), random weights, with TINY's WordPiece vocabulary.
 */
export async function writeDecoderModel(path: string, pooling: Exclude<BertPooling, 'none'>): Promise<void> {
  const n = 32;
  const ff = 64;
  const layers = 2;
  const heads = 4;
  const tokenizer = Object.entries(bertModelParts(TINY).metadata).filter(([key]) => key.startsWith('tokenizer.'));
  const vocabulary = (Object.fromEntries(tokenizer)['tokenizer.ggml.tokens'] as { value: string[] }).value.length;
  const u32 = (value: number): GgufValue => ({ type: 'u32', value });
  const metadata: Record<string, GgufValue> = {
    'general.architecture': { type: 'string', value: 'llama' },
    'general.name': { type: 'string', value: `tiny-decoder-${pooling}` },
    'general.file_type': u32(0),
    'llama.context_length': u32(128),
    'llama.embedding_length': u32(n),
    'llama.feed_forward_length': u32(ff),
    'llama.block_count': u32(layers),
    'llama.attention.head_count': u32(heads),
    'llama.attention.head_count_kv': u32(heads),
    'llama.attention.layer_norm_rms_epsilon': { type: 'f32', value: 1e-6 },
    'llama.rope.dimension_count': u32(n / heads),
    'llama.pooling_type': u32(POOLING_TYPE_IDS[pooling]),
    ...Object.fromEntries(tokenizer),
  };
  const random = (name: string, shape: number[], std: number): GgufTensor => ({
    name,
    shape,
    type: 'F32',
    data: () =>
      randomValues(
        shape.reduce((a, b) => a * b, 1),
        std,
        7,
        name,
      ),
  });
  const ones = (name: string): GgufTensor => ({
    name,
    shape: [n],
    type: 'F32',
    data: () => new Float32Array(n).fill(1),
  });
  const tensors = [random('token_embd.weight', [n, vocabulary], 1), ones('output_norm.weight')];
  for (let i = 0; i < layers; i += 1) {
    tensors.push(
      ones(`blk.${i}.attn_norm.weight`),
      ...['q', 'k', 'v', 'output'].map((part) => random(`blk.${i}.attn_${part}.weight`, [n, n], 1 / Math.sqrt(n))),
      ones(`blk.${i}.ffn_norm.weight`),
      random(`blk.${i}.ffn_gate.weight`, [n, ff], 1 / Math.sqrt(n)),
      random(`blk.${i}.ffn_up.weight`, [n, ff], 1 / Math.sqrt(n)),
      random(`blk.${i}.ffn_down.weight`, [ff, n], 1 / Math.sqrt(ff)),
    );
  }
  await writeGguf(path, metadata, tensors);
}
