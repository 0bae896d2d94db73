import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { corpusLines } from '../test/support/corpus';
import { startModelServer } from '../test/support/modelServer';
import { testModelPath, TINY } from '../test/support/testModels';
import { FIXTURES_FILE, type E2eFixtures } from './fixtures';

/** Where serve mode keeps its models: `models` beside the settings file playwright.config.ts gives it. */
const MODELS_DIR = 'test-results/models';

/** Makes the fixtures; returns the teardown, which stops the model server. */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'embedding-studio-e2e-'));
  const lines = corpusLines(8000, 9);
  for (let blank = 10; blank < lines.length; blank += 500) lines[blank] = '';
  const input = join(dir, 'reviews.txt');
  await writeFile(input, lines.join('\n'));
  const bigInput = join(dir, 'big.txt');
  await writeFile(bigInput, corpusLines(60_000, 4, 5, 40).join('\n'));
  const notAModel = join(dir, 'notes.gguf');
  await writeFile(notAModel, 'these are my notes, not a model\n');
  const model = await testModelPath(TINY);
  await rm(MODELS_DIR, { recursive: true, force: true });
  const modelServer = await startModelServer({ 'e2e-tiny.gguf': await readFile(model) });
  modelServer.behaviour = { holdAt: 100_000 };
  const fixtures: E2eFixtures = {
    dir,
    model,
    notAModel,
    input,
    inputLines: lines.length,
    embeddableLines: lines.filter((line) => line.trim()).length,
    bigInput,
    modelUrl: modelServer.url('e2e-tiny.gguf'),
    modelServer: modelServer.origin,
  };
  await mkdir(join(FIXTURES_FILE, '..'), { recursive: true });
  await writeFile(FIXTURES_FILE, JSON.stringify(fixtures, null, 2));
  return () => modelServer.close();
}
