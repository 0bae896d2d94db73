import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { corpusLines } from '../test/support/corpus';
import { testModelPath, TINY } from '../test/support/testModels';
import { FIXTURES_FILE, type E2eFixtures } from './fixtures';

export default async function globalSetup(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'embedding-studio-e2e-'));
  const lines = corpusLines(8000, 9);
  for (let blank = 10; blank < lines.length; blank += 500) lines[blank] = '';
  const input = join(dir, 'reviews.txt');
  await writeFile(input, lines.join('\n'));
  const bigInput = join(dir, 'big.txt');
  await writeFile(bigInput, corpusLines(60_000, 4, 5, 40).join('\n'));
  const notAModel = join(dir, 'notes.gguf');
  await writeFile(notAModel, 'these are my notes, not a model\n');
  const fixtures: E2eFixtures = {
    dir,
    model: await testModelPath(TINY),
    notAModel,
    input,
    inputLines: lines.length,
    embeddableLines: lines.filter((line) => line.trim()).length,
    bigInput,
  };
  await mkdir(join(FIXTURES_FILE, '..'), { recursive: true });
  await writeFile(FIXTURES_FILE, JSON.stringify(fixtures, null, 2));
}
