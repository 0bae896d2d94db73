import type { DownloadedModel } from '#core/library/modelDownload';
import type { CatalogEntry, CatalogModel, LocalModel } from '#shared/modelLibrary';
import { formatBytes, formatCount, formatDuration } from '#shared/format';
import { table } from './format';

export interface ModelsListing {
  dir: string;
  models: LocalModel[];
  incomplete: string[];
  catalog: CatalogEntry[];
}

/** `bert, 384 dimensions, 512 tokens, cls pooling, Q8_0, 35 MiB`, or what is wrong with the file. */
function describeLocalModel(model: LocalModel): string {
  if (model.problem) return `${model.problem}, ${formatBytes(model.sizeBytes)}`;
  const facts = [
    model.architecture ?? 'unknown architecture',
    model.dimensions === null ? null : `${formatCount(model.dimensions)} dimensions`,
    model.contextLength === null ? null : `${formatCount(model.contextLength)} tokens`,
    model.embedding ? `${model.pooling} pooling` : `not an embedding model (pooling: ${model.pooling ?? 'none'})`,
    model.quantization,
    formatBytes(model.sizeBytes),
  ];
  return facts.filter((fact) => fact !== null).join(', ');
}

/** The `models list` report: the folder's models, incomplete downloads, and the catalog. */
export function formatModelsList({ dir, models, incomplete, catalog }: ModelsListing): string {
  const sections = [`Models folder: ${dir}`];
  sections.push(
    models.length
      ? `Models in the folder:\n${table(
          models.map((model) => [model.fileName, describeLocalModel(model)]),
          '  ',
        )}`
      : 'Models in the folder: none yet (models pull <name> downloads one from the catalog below)',
  );
  if (incomplete.length) {
    sections.push(
      `Incomplete downloads (pull the same model again to resume, or models rm <file>):\n${incomplete.map((name) => `  ${name}`).join('\n')}`,
    );
  }
  const rows = catalog.map((entry): [string, string] => {
    const facts = [
      entry.languages,
      `${formatCount(entry.dimensions)} dimensions`,
      `${formatCount(entry.contextLength)} tokens`,
      formatBytes(entry.sizeBytes),
      entry.license,
    ];
    return [`${entry.id}${entry.recommended ? ' *' : ''}`, `${facts.join(', ')}${entry.path ? '  (downloaded)' : ''}`];
  });
  sections.push(`Catalog (models pull <name>; * to start with):\n${table(rows, '  ')}`);
  return sections.join('\n\n');
}

/** The `models pull` report; for a catalog model with the prefixes it expects (`--prefix`). */
export function formatPulled(
  { model, alreadyPresent, resumedFromBytes }: DownloadedModel,
  elapsedMs: number,
  catalog: CatalogModel | null,
): string {
  const resumed = resumedFromBytes ? `, resumed after ${formatBytes(resumedFromBytes)}` : '';
  const heading = alreadyPresent
    ? `Already downloaded: ${model.fileName}.`
    : `Downloaded ${model.fileName} (${formatBytes(model.sizeBytes)}) in ${formatDuration(elapsedMs)}${resumed}.`;
  const prefixes: Array<[string, string]> = catalog
    ? [
        ['document prefix', catalog.documentPrefix ? JSON.stringify(catalog.documentPrefix) : 'none'],
        ['query prefix', catalog.queryPrefix ? JSON.stringify(catalog.queryPrefix) : 'none'],
      ]
    : [];
  return `${heading}\n\n${table([...modelRows(model), ...prefixes], '  ')}`;
}

function modelRows(model: LocalModel): Array<[string, string]> {
  return [
    ['path', model.path],
    ['name', model.name],
    ['architecture', model.architecture ?? 'unknown'],
    ['dimensions', model.dimensions === null ? 'unknown' : formatCount(model.dimensions)],
    ['context', model.contextLength === null ? 'unknown' : `${formatCount(model.contextLength)} tokens`],
    ['pooling', model.embedding ? (model.pooling ?? 'unknown') : `${model.pooling ?? 'none'} (not an embedding model)`],
    ['quantization', model.quantization ?? 'unknown'],
  ];
}
