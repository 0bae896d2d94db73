import { resolve } from 'node:path';
import { MOVE_COMPLETED, readCheckpoint } from '../core/checkpoint';
import type { UnfinishedRun } from '../shared/contract';

/** The unfinished run of `output` its checkpoint describes, or null where there is none; `input` is the one chosen now. */
export async function findUnfinishedRun(input: string, output: string): Promise<UnfinishedRun | null> {
  const saved = await readCheckpoint(output);
  if (!saved || saved === MOVE_COMPLETED) return null;
  const { identity, mark } = saved;
  return {
    input: identity.input.path,
    // The same comparison a resumed run makes before it continues.
    sameInput: identity.input.path === resolve(input),
    lastLine: mark.lastLine,
    embedded: mark.counts.embedded,
    model: identity.model.name,
  };
}
