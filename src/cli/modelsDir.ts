import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { defaultModelsDir, defaultSettingsFile } from '#host/settingsLocation';

/** The models folder: --models-dir, else the one chosen in the desktop app, else the app's default one. */
export async function modelsDirFor(option: string | undefined): Promise<string> {
  if (option !== undefined) return resolve(option);
  return (await appModelsDir()) ?? defaultModelsDir();
}

/** The folder the app's settings name; a missing or unreadable settings file names none. */
async function appModelsDir(): Promise<string | null> {
  let settings: unknown;
  try {
    settings = JSON.parse(await readFile(defaultSettingsFile(), 'utf8'));
  } catch {
    return null;
  }
  const dir =
    typeof settings === 'object' && settings !== null ? (settings as { modelsDir?: unknown }).modelsDir : undefined;
  return typeof dir === 'string' && isAbsolute(dir) ? dir : null;
}
