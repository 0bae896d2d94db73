import { spawn } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { corpusLines } from '../support/corpus';
import { tempDir } from '../support/files';
import { testModelPath, TINY } from '../support/testModels';
import { runCli, type CliResult } from '../cli/runCli';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = await tempDir();
const input = join(dir, 'corpus.txt');
let model: string;
/** A folder with an `embedding-studio` command that runs this checkout's, as the image's does. */
const bin = join(dir, 'bin');

beforeAll(async () => {
  model = await testModelPath(TINY);
  await writeFile(input, `${corpusLines(30, 5, 2, 8).join('\n')}\n`);
  await mkdir(bin);
  const command = join(bin, 'embedding-studio');
  await writeFile(
    command,
    `#!/bin/sh\nexec "${process.execPath}" "${join(REPO_ROOT, 'bin', 'embedding-studio.js')}" "$@"\n`,
  );
  await chmod(command, 0o755);
});

/** Runs a command as a pod or a Slurm task would, with this checkout's `embedding-studio` on the PATH. */
function shell([command = 'sh', ...args]: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  const child = spawn(command, args, {
    env: { ...process.env, ...env, PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `envsubst '$A $B'`: replaces ${A} and $A of the variables named, and nothing else. */
function envsubst(text: string, values: Record<string, string>): string {
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, braced?: string, bare?: string) => {
    const name = braced ?? bare ?? '';
    return Object.hasOwn(values, name) ? (values[name] ?? '') : whole;
  });
}

interface Job {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    completionMode: string;
    completions: number;
    parallelism: number;
    backoffLimitPerIndex: number;
    template: {
      spec: {
        restartPolicy: string;
        containers: Array<{ image: string; command: string[]; args: string[] }>;
        volumes: Array<{ persistentVolumeClaim: { claimName: string } }>;
      };
    };
  };
}

async function expectVerified(outputDir: string, shards: number): Promise<void> {
  const parts = Array.from({ length: shards }, (_, k) => join(outputDir, `part-${k}.parquet`));
  const result = await runCli(['verify', ...parts, '--input', input, '--json']);
  expect(result.code, result.stdout + result.stderr).toBe(0);
  expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, lines: 30, count: shards });
}

describe('deploy/', () => {
  it('the Kubernetes Indexed Job rendered for 4 shards runs pod K on shard K/4, and the 4 pods make a verified set', async () => {
    const outputDir = join(dir, 'k8s');
    await mkdir(outputDir);
    const values = {
      NAME: 'corpus',
      SHARDS: '4',
      PARALLELISM: '2',
      IMAGE: 'registry.example.com/embedding-studio:test',
      CLAIM: 'embeddings',
      MODEL: model,
      INPUT: input,
      OUTPUT_DIR: outputDir,
    };
    const rendered = envsubst(
      await readFile(join(REPO_ROOT, 'deploy', 'kubernetes', 'embed-job.yaml'), 'utf8'),
      values,
    );
    expect(rendered.replace(/^#.*$/gm, '')).not.toMatch(/\$\{/);
    const job = parse(rendered) as Job;
    expect(job).toMatchObject({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'embed-corpus' },
      spec: { completionMode: 'Indexed', completions: 4, parallelism: 2, backoffLimitPerIndex: 3 },
    });
    const { containers, restartPolicy, volumes } = job.spec.template.spec;
    expect(restartPolicy).toBe('Never');
    expect(volumes[0]?.persistentVolumeClaim.claimName).toBe('embeddings');
    const [container] = containers;
    expect(container?.image).toBe(values.IMAGE);
    const command = [...(container?.command ?? []), ...(container?.args ?? [])];
    expect(container?.command[0]).toBe('sh');

    const pods = await Promise.all(
      [0, 1, 2, 3].map((index) => shell(command, { JOB_COMPLETION_INDEX: String(index) })),
    );
    for (const [index, pod] of pods.entries()) {
      expect(pod.code, pod.stderr).toBe(0);
      expect(JSON.parse(pod.stdout)).toMatchObject({ shard: { index, count: 4 }, resumedAfterLine: 0 });
    }
    await expectVerified(outputDir, 4);
    // A pod started again after its shard is complete is refused (exit 4) rather than embedding the shard twice.
    const again = await shell(command, { JOB_COMPLETION_INDEX: '1' });
    expect(again.code).toBe(4);
  });

  it('the Slurm array script runs task K of 4 on shard K/4, and the 4 tasks make a verified set', async () => {
    const outputDir = join(dir, 'slurm');
    const script = join(REPO_ROOT, 'deploy', 'slurm', 'embed-array.sh');
    const tasks = await Promise.all(
      [0, 1, 2, 3].map((index) =>
        shell([script, model, input, outputDir], {
          SLURM_ARRAY_TASK_ID: String(index),
          SLURM_ARRAY_TASK_COUNT: '4',
          SLURM_CPUS_PER_TASK: '1',
        }),
      ),
    );
    for (const [index, task] of tasks.entries()) {
      expect(task.code, task.stderr).toBe(0);
      expect(JSON.parse(task.stdout)).toMatchObject({ shard: { index, count: 4 } });
    }
    await expectVerified(outputDir, 4);
    const outside = await shell([script, model, input, outputDir], {});
    expect(outside.code).not.toBe(0);
    expect(outside.stderr).toContain('run it as a job array');
  });
});
