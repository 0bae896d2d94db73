import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/**
 * Where the desktop app keeps its settings (Electron's userData folder for an app named embedding-studio), so serve
 * mode on the same machine remembers the same choices.
 */
export function defaultSettingsFile(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  return join(configDir(env, platform), 'embedding-studio', 'settings.json');
}

/** The app's default models folder, beside its settings (Electron's userData folder). */
export function defaultModelsDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): string {
  return join(configDir(env, platform), 'embedding-studio', 'models');
}

function configDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string {
  if (platform === 'win32') return env.APPDATA ?? join(homedir(), 'AppData', 'Roaming');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support');
  const xdg = env.XDG_CONFIG_HOME;
  return xdg !== undefined && isAbsolute(xdg) ? xdg : join(homedir(), '.config');
}
