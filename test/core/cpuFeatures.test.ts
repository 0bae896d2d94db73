import { describe, expect, it } from 'vitest';
import { cpuFeaturesOf } from '#core/model';

describe('the CPU features info reports', () => {
  it('are those llama.cpp lists as on in its CPU section, and no other section’s', () => {
    const amx =
      'CPU : SSE3 = 1 | AVX2 = 1 | AVX512 = 1 | AVX512_VNNI = 1 | AMX_INT8 = 1 | LLAMAFILE = 1 | REPACK = 1 | ';
    expect(cpuFeaturesOf(amx)).toEqual(['SSE3', 'AVX2', 'AVX512', 'AVX512_VNNI', 'AMX_INT8', 'LLAMAFILE', 'REPACK']);
    // The same CPU after npm run build:engine left AMX out, with a CUDA backend loaded beside it.
    const withoutAmx =
      'CPU : SSE3 = 1 | AVX2 = 1 | AVX512 = 1 | AVX512_VNNI = 1 | LLAMAFILE = 1 | OPENMP = 0 | CUDA : ARCHS = 900 | USE_GRAPHS = 1 | ';
    expect(cpuFeaturesOf(withoutAmx)).toEqual(['SSE3', 'AVX2', 'AVX512', 'AVX512_VNNI', 'LLAMAFILE']);
    expect(cpuFeaturesOf('')).toEqual([]);
  });
});
