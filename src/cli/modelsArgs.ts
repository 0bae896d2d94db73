import { unexpectedArgument, UsageError } from './args';
import { wordList } from './format';

export const MODELS_ACTIONS = ['list', 'pull', 'rm'] as const;
export type ModelsAction = (typeof MODELS_ACTIONS)[number];

interface Common {
  /** The models folder; by default the app's. */
  modelsDir?: string;
  json: boolean;
}

export type ModelsCommandOptions = Common & ({ action: 'list' } | { action: 'pull' | 'rm'; name: string });

const NAME_HINTS: Record<Exclude<ModelsAction, 'list'>, string> = {
  pull: 'For example: models pull bge-small-en-v1.5 (models list shows the catalog), or an hf: URI or a URL.',
  rm: 'For example: models rm bge-small-en-v1.5-q8_0.gguf (models list shows the file names).',
};

/** `models list`, `models pull <model>` or `models rm <name>`, from the words after `models`. */
export function parseModelsCommand(words: readonly string[], common: Common): ModelsCommandOptions {
  const [action, name, extra] = words;
  if (action === undefined)
    throw new UsageError(`models needs one of ${wordList(MODELS_ACTIONS, 'or')}`, 'For example: models list');
  const known = MODELS_ACTIONS.find((each) => each === action);
  if (!known)
    throw new UsageError(
      `unknown models command "${action}"`,
      `The models commands are ${wordList(MODELS_ACTIONS, 'and')}.`,
    );
  if (known === 'list') {
    if (name !== undefined) throw unexpectedArgument(name);
    return { ...common, action: known };
  }
  if (name === undefined || name.trim() === '') {
    throw new UsageError(
      `models ${known} needs a model${known === 'pull' ? ': a catalog name, an hf: URI or a URL' : ''}`,
      NAME_HINTS[known],
    );
  }
  if (extra !== undefined) throw unexpectedArgument(extra);
  return { ...common, action: known, name };
}
