import { execFile } from 'node:child_process';
import { copyFile, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { readJsonl, tempDir } from '../support/files';
import { testModelPath, TINY } from '../support/testModels';

const run = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface PackedManifest {
  version: string;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
}

const dir = await tempDir();
let packedFiles: string[];
/** The unpacked package, where npx and npm i put it: node_modules/embedding-studio of a project. */
let installed: string;
let manifest: PackedManifest;

/** Runs a file of the unpacked package with Node, never throwing: its exit code, stdout and stderr. */
async function runNode(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, args, { cwd });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

// The bundle is built by vitest's global setup; --ignore-scripts keeps npm pack from rebuilding it under the feet of
// the other test files that run it.
beforeAll(async () => {
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], {
    cwd: REPO_ROOT,
  });
  const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  packedFiles = packed.files.map((file) => file.path).sort();

  const project = join(dir, 'project');
  installed = join(project, 'node_modules', 'embedding-studio');
  await mkdir(installed, { recursive: true });
  await run('tar', ['-xzf', join(dir, packed.filename), '-C', installed, '--strip-components=1']);
  manifest = JSON.parse(await readFile(join(installed, 'package.json'), 'utf8')) as PackedManifest;
  // Only what the package declares as its dependencies sits beside it, from this checkout (an install would download
  // them): a bundle that needed a devDependency at run time would fail here.
  for (const name of Object.keys(manifest.dependencies)) {
    const link = join(project, 'node_modules', name);
    await mkdir(dirname(link), { recursive: true });
    await symlink(join(REPO_ROOT, 'node_modules', name), link, 'junction');
  }
}, 120_000);

describe('the packed package (npm pack)', () => {
  it('holds the command, its bundle and the install script, and nothing of the source', async () => {
    const bundle = (await readdir(join(REPO_ROOT, 'out', 'cli'), { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name).slice(REPO_ROOT.length).split('\\').join('/'));
    expect(packedFiles).toEqual(
      ['README.md', 'bin/embedding-studio.js', ...bundle, 'package.json', 'scripts/postinstall.mjs'].sort(),
    );
    expect(manifest.bin).toEqual({ 'embedding-studio': 'bin/embedding-studio.js' });
  });

  it('answers --version and --help through its bin, beside its dependencies alone', async () => {
    expect(await runNode([join(installed, manifest.bin['embedding-studio']), '--version'], dir)).toEqual({
      code: 0,
      stdout: `${manifest.version}\n`,
      stderr: '',
    });
    const help = await runNode([join(installed, manifest.bin['embedding-studio']), '--help'], dir);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Embedding Studio: embed large text files/);
  });

  it('embeds a file through its bin: the bundle loads node-llama-cpp from beside it', async () => {
    const input = join(dir, 'texts.txt');
    await writeFile(input, 'hello world\nthe quick brown fox\n');
    const output = join(dir, 'texts.jsonl');
    const model = await testModelPath(TINY);
    const result = await runNode(
      [
        join(installed, manifest.bin['embedding-studio']),
        'embed',
        '--model',
        model,
        '--input',
        input,
        '--output',
        output,
      ],
      dir,
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect((await readJsonl(output)).map((row) => row.text)).toEqual(['hello world', 'the quick brown fox']);
  });

  it('writes Parquet and searches it through its bin: the Parquet reader is a dependency, not a devDependency', async () => {
    const input = join(dir, 'texts.txt');
    await writeFile(input, 'hello world\nthe quick brown fox\n');
    const output = join(dir, 'texts.parquet');
    const bin = join(installed, manifest.bin['embedding-studio']);
    const model = await testModelPath(TINY);
    const embedded = await runNode([bin, 'embed', '--model', model, '--input', input, '--output', output], dir);
    expect(embedded.stderr).toBe('');
    const found = await runNode([bin, 'search', '--embeddings', output, '--query', 'hello world', '--json'], dir);
    expect(found.stderr).toBe('');
    expect((JSON.parse(found.stdout) as { results: Array<{ line: number }> }).results[0]?.line).toBe(1);
  });

  it('installs without patch-package: its postinstall does nothing and exits 0', async () => {
    expect(await runNode([join('scripts', 'postinstall.mjs')], installed)).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await readdir(installed)).toEqual(['README.md', 'bin', 'out', 'package.json', 'scripts']);
  });
});

describe('the embedding-studio command in a checkout where the bundle is not built', () => {
  it('says how to build it (exit 1)', async () => {
    const launcher = join(dir, 'checkout', 'bin', 'embedding-studio.js');
    await mkdir(dirname(launcher), { recursive: true });
    await copyFile(join(REPO_ROOT, 'bin', 'embedding-studio.js'), launcher);
    await copyFile(join(REPO_ROOT, 'package.json'), join(dir, 'checkout', 'package.json'));
    expect(await runNode([launcher, '--version'], dir)).toEqual({
      code: 1,
      stdout: '',
      stderr: `error: the command line is not built here: ${join(dir, 'checkout', 'out', 'cli', 'index.js')} is missing\nhint: Run npm run build:cli in the checkout once (npm run cli builds it by itself).\n`,
    });
  });
});
