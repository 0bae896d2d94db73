import { describe, expect, it } from 'vitest';
import catalogData from '../../src/core/library/catalog.json';
import { catalogSchema, findCatalogModel, MODEL_CATALOG } from '#core/library/modelCatalog';
import { directUrl, isModelUri } from '#core/library/modelUri';

const recommended = MODEL_CATALOG.filter((model) => model.recommended);

describe('the model catalog', () => {
  it('validates against its schema', () => {
    const result = catalogSchema.safeParse(catalogData);
    expect(result.error?.issues ?? []).toEqual([]);
    expect(MODEL_CATALOG.length).toBeGreaterThanOrEqual(4);
  });

  it('downloads every model from a Hugging Face file or an https URL of a .gguf file', () => {
    for (const model of MODEL_CATALOG) {
      expect(isModelUri(model.uri), model.id).toBe(true);
      const url = directUrl(model.uri, {});
      expect(url?.protocol, model.id).toBe('https:');
      expect(url?.pathname.endsWith(`/${model.fileName}`), model.id).toBe(true);
      if (model.uri.startsWith('hf:'))
        expect(url?.href, model.id).toMatch(/^https:\/\/huggingface\.co\/[^/]+\/[^/]+\/resolve\/main\//);
    }
  });

  it('recommends one small English model under a permissive licence', () => {
    expect(recommended).toHaveLength(1);
    const [model] = recommended;
    expect(model?.languages).toBe('English');
    expect(['MIT', 'Apache-2.0']).toContain(model?.license);
    expect(model?.sizeBytes).toBe(Math.min(...MODEL_CATALOG.map((each) => each.sizeBytes)));
  });

  it('offers models in more than one language and the prefixes the model cards ask for', () => {
    expect(MODEL_CATALOG.some((model) => model.languages.startsWith('Multilingual'))).toBe(true);
    expect(findCatalogModel('nomic-embed-text-v1.5')).toMatchObject({
      documentPrefix: 'search_document: ',
      queryPrefix: 'search_query: ',
    });
  });

  it('finds a model by its name in any case, or by its exact URI', () => {
    expect(findCatalogModel('BGE-M3')?.id).toBe('bge-m3');
    expect(findCatalogModel(MODEL_CATALOG[1]?.uri ?? '')?.id).toBe(MODEL_CATALOG[1]?.id);
    expect(findCatalogModel('bge')).toBeUndefined();
  });
});

describe('model URIs', () => {
  it('tells addresses from file paths', () => {
    for (const uri of [
      'hf:owner/repo:Q8_0',
      'hf:owner/repo/model.gguf',
      'huggingface:owner/repo',
      'https://example.com/m.gguf',
      'http://127.0.0.1:8080/m.gguf',
    ]) {
      expect(isModelUri(uri), uri).toBe(true);
    }
    for (const path of [
      'model.gguf',
      '/models/hf:owner/repo.gguf',
      'hf:',
      'hf:owner',
      'C:\\models\\m.gguf',
      'ftp://example.com/m.gguf',
    ]) {
      expect(isModelUri(path), path).toBe(false);
    }
  });

  it('resolves hf: files against the configured endpoint, keeping branches', () => {
    expect(directUrl('hf:owner/repo/sub/model.gguf#dev', { HF_ENDPOINT: 'http://127.0.0.1:9000' })?.href).toBe(
      'http://127.0.0.1:9000/owner/repo/resolve/dev/sub/model.gguf',
    );
    expect(directUrl('hf:owner/repo:Q8_0', {})).toBeNull();
  });
});
