import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { jobSettingsSchema, settingsSchema, type Settings } from '#shared/contract';

export const DEFAULT_SETTINGS: Settings = { modelPath: '', gpu: 'auto', threads: null, contextSize: null, job: {} };

export type SettingsPatch = Partial<Settings>;

/**
 * The settings file: read once, validated field by field (a missing, corrupt or outdated file never stops the app; what
 * is still valid in it is kept), and written atomically so a crash mid-write cannot corrupt it.
 */
export class SettingsStore {
  private current: Promise<Settings> | null = null;
  private writing: Promise<unknown> = Promise.resolve();

  constructor(readonly file: string) {}

  get(): Promise<Settings> {
    this.current ??= this.read();
    return this.current;
  }

  /** Merges a partial into the settings, `job` one level deep, and saves them. */
  async set(patch: SettingsPatch): Promise<Settings> {
    const previous = await this.get();
    const next: Settings = { ...previous, ...patch, job: { ...previous.job, ...patch.job } };
    this.current = Promise.resolve(next);
    const write = this.writing.then(() => this.write(next));
    this.writing = write.catch(() => undefined);
    await write;
    return next;
  }

  private async read(): Promise<Settings> {
    let stored: unknown;
    try {
      stored = JSON.parse(await readFile(this.file, 'utf8'));
    } catch {
      return DEFAULT_SETTINGS;
    }
    return salvage(stored);
  }

  private async write(settings: Settings): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    const temp = `${this.file}.${randomUUID()}.tmp`;
    try {
      await writeFile(temp, `${JSON.stringify(settings, null, 2)}\n`);
      await rename(temp, this.file);
    } finally {
      await rm(temp, { force: true });
    }
  }
}

/** The valid fields of what was stored, defaults for the rest. */
function salvage(stored: unknown): Settings {
  if (!isRecord(stored)) return DEFAULT_SETTINGS;
  const settings: Settings = { ...DEFAULT_SETTINGS, job: {} };
  for (const key of ['modelPath', 'gpu', 'threads', 'contextSize', 'modelsDir', 'recentModels'] as const) {
    const result = settingsSchema.shape[key].safeParse(stored[key]);
    if (stored[key] !== undefined && result.success) Object.assign(settings, { [key]: result.data });
  }
  if (isRecord(stored.job)) {
    for (const [key, schema] of Object.entries(jobSettingsSchema.shape)) {
      const result = schema.safeParse(stored.job[key]);
      if (stored.job[key] !== undefined && result.success) Object.assign(settings.job, { [key]: result.data });
    }
  }
  return settings;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
