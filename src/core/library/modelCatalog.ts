import { z } from 'zod';
import { basename, join } from 'node:path';
import type { CatalogEntry, CatalogModel } from '#shared/modelLibrary';
import catalogData from './catalog.json';
import { isFile } from './modelsFolder';
import { uriFileName } from './modelUri';

const prefix = z.string().max(200);

/** One catalog entry; every fact in catalog.json is checked against the model card named in `source`. */
const catalogModelSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'lower-case letters, digits, dots and dashes'),
  name: z.string().min(1).max(80),
  description: z.string().min(1).max(200),
  uri: z
    .string()
    .regex(
      /^(hf:[^/\s:]+\/[^/\s:]+\/\S+\.gguf|https:\/\/\S+\.gguf)$/,
      'an hf:owner/repo/file.gguf URI or an https URL of a .gguf file',
    ),
  fileName: z.string().regex(/^[^/\\]+\.gguf$/, 'a .gguf file name'),
  sizeBytes: z.int().positive(),
  dimensions: z.int().positive(),
  contextLength: z.int().positive(),
  license: z.string().min(1),
  languages: z.string().min(1),
  documentPrefix: prefix,
  queryPrefix: prefix,
  recommended: z.boolean(),
  matryoshka: z.boolean(),
  source: z.url({ protocol: /^https$/ }),
}) satisfies z.ZodType<CatalogModel>;

export const catalogSchema = z
  .array(catalogModelSchema)
  .min(1)
  .refine((models) => new Set(models.map((model) => model.id)).size === models.length, 'ids must be unique')
  .refine((models) => models.filter((model) => model.recommended).length === 1, 'exactly one model must be recommended')
  .refine(
    (models) => models.every((model) => uriFileName(model.uri) === model.fileName),
    'fileName must be the file the uri names',
  );

/** The curated catalog shipped with the app, in the order it is offered. */
export const MODEL_CATALOG: readonly CatalogModel[] = catalogSchema.parse(catalogData);

/** The catalog model with this name (case does not matter) or this exact URI. */
export function findCatalogModel(nameOrUri: string): CatalogModel | undefined {
  const wanted = nameOrUri.trim();
  return MODEL_CATALOG.find((model) => model.id === wanted.toLowerCase() || model.uri === wanted);
}

/** The catalog model saved under this file's name, where the file is one (as the models folder names it). */
export function catalogModelForFile(path: string): CatalogModel | undefined {
  return MODEL_CATALOG.find((model) => model.fileName === basename(path));
}

/** The catalog, each model with its path where the models folder holds it. */
export function catalogEntries(dir: string): Promise<CatalogEntry[]> {
  return Promise.all(
    MODEL_CATALOG.map(async (model) => {
      const path = join(dir, model.fileName);
      return { ...model, path: (await isFile(path)) ? path : null };
    }),
  );
}
