import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PORT,
  DEFAULT_RENDERER_DIR,
  HELP,
  parseServeArgs,
  ServeUsageError,
  TOKEN_ENV,
} from '../../src/server/args';
import { defaultSettingsFile } from '#host/settingsLocation';

describe('serve command line', () => {
  it('defaults to port 5317, the built renderer of this checkout, and the desktop app settings file', () => {
    expect(parseServeArgs([])).toEqual({
      help: false,
      port: DEFAULT_PORT,
      rendererDir: DEFAULT_RENDERER_DIR,
      settingsFile: defaultSettingsFile(),
    });
    expect(DEFAULT_PORT).toBe(5317);
    expect(DEFAULT_RENDERER_DIR).toBe(resolve(import.meta.dirname, '../../out/renderer'));
  });

  it('reads --port, --renderer and --settings, resolving paths', () => {
    expect(parseServeArgs(['--port', '0', '--renderer', 'dist/r', '--settings=s.json'])).toEqual({
      help: false,
      port: 0,
      rendererDir: resolve('dist/r'),
      settingsFile: resolve('s.json'),
    });
    expect(parseServeArgs(['--port', '65535'])).toMatchObject({ port: 65535 });
    expect(parseServeArgs(['--port', '80', '--help'])).toEqual({ help: true });
    expect(parseServeArgs(['-h'])).toEqual({ help: true });
  });

  it('refuses a bad port, an unknown option, a stray argument and an empty path', () => {
    for (const argv of [
      ['--port', '65536'],
      ['--port', '-1'],
      ['--port', '8o'],
      ['--port', ''],
      ['--port', '1e3'],
      ['--port'],
      ['--host', '0.0.0.0'],
      ['serve'],
      ['--renderer', ' '],
    ]) {
      expect(() => parseServeArgs(argv), argv.join(' ')).toThrow(ServeUsageError);
    }
    expect(() => parseServeArgs(['--port', 'x'])).toThrow('--port must be a whole number from 0 to 65535, not "x"');
  });

  it('documents the options and the token variable in --help', () => {
    for (const word of [
      '--port',
      '--renderer',
      '--settings',
      '--help',
      TOKEN_ENV,
      'ssh -N -L 5317:127.0.0.1:5317',
      defaultSettingsFile(),
    ]) {
      expect(HELP).toContain(word);
    }
    for (const line of HELP.split('\n'))
      expect(line.length, line).toBeLessThanOrEqual(80 + defaultSettingsFile().length);
  });

  it('keeps settings where Electron keeps the desktop app data', () => {
    expect(defaultSettingsFile({ XDG_CONFIG_HOME: '/cfg' }, 'linux')).toBe('/cfg/embedding-studio/settings.json');
    expect(defaultSettingsFile({ XDG_CONFIG_HOME: 'relative' }, 'linux')).toBe(
      join(homedir(), '.config', 'embedding-studio', 'settings.json'),
    );
    expect(defaultSettingsFile({}, 'linux')).toBe(join(homedir(), '.config', 'embedding-studio', 'settings.json'));
    expect(defaultSettingsFile({}, 'darwin')).toBe(
      join(homedir(), 'Library', 'Application Support', 'embedding-studio', 'settings.json'),
    );
    expect(defaultSettingsFile({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32')).toBe(
      join('C:\\Users\\u\\AppData\\Roaming', 'embedding-studio', 'settings.json'),
    );
  });
});
