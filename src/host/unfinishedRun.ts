import { resolve } from 'node:path';
import { readCheckpoint } from '#core/checkpoint';
import type { UnfinishedRun } from '#shared/contract';

/**
 * The unfinished run of `output` its checkpoint describes, or null where there is none; `input` is the one chosen now.
 * Only reads: a complete run's files get their final names when the next run of the output starts.
 */
export async function findUnfinishedRun(input: string, output: string): Promise<UnfinishedRun | null> {
  const saved = await readCheckpoint(output);
  if (saved.state === 'none' || saved.state === 'started') return null;
  const identity = saved.state === 'finished' ? saved.identity : saved.checkpoint.identity;
  // The same comparison a resumed run makes before it continues.
  const about = {
    input: identity.input.path,
    sameInput: identity.input.path === resolve(input),
    model: identity.model.name,
  };
  if (saved.state === 'finished') return { ...about, complete: true };
  const { mark } = saved.checkpoint;
  return { ...about, complete: false, lastLine: mark.lastLine, embedded: mark.counts.embedded };
}
