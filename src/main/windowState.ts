import { randomUUID } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { z } from 'zod';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  bounds: Rect;
  maximized: boolean;
}

export const DEFAULT_SIZE = { width: 1200, height: 820 };
/** How much of a restored window must lie on some screen for its saved place to be used. */
const MIN_VISIBLE = { width: 160, height: 80 };

const windowStateSchema = z.object({
  bounds: z.object({
    x: z.int(),
    y: z.int(),
    width: z.int().min(200).max(100_000),
    height: z.int().min(150).max(100_000),
  }),
  maximized: z.boolean(),
});

/** The saved size and place of the window, or null when there is none or it cannot be read. */
export async function readWindowState(file: string): Promise<WindowState | null> {
  try {
    const parsed = windowStateSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export async function writeWindowState(file: string, state: WindowState): Promise<void> {
  const temp = `${file}.${randomUUID()}.tmp`;
  try {
    await writeFile(temp, JSON.stringify(state));
    await rename(temp, file);
  } finally {
    await rm(temp, { force: true });
  }
}

/**
 * Where to open the window: its saved bounds when enough of them is on one of today's screens (a monitor may have been
 * unplugged since), else the saved size, or the default size, wherever the system puts it.
 */
export function initialBounds(
  saved: WindowState | null,
  workAreas: readonly Rect[],
): Rect | { width: number; height: number } {
  if (!saved) return DEFAULT_SIZE;
  const visible = workAreas.some(
    (area) =>
      overlap(saved.bounds, area, 'x', 'width') >= MIN_VISIBLE.width &&
      overlap(saved.bounds, area, 'y', 'height') >= MIN_VISIBLE.height,
  );
  return visible ? saved.bounds : { width: saved.bounds.width, height: saved.bounds.height };
}

function overlap(a: Rect, b: Rect, start: 'x' | 'y', size: 'width' | 'height'): number {
  return Math.min(a[start] + a[size], b[start] + b[size]) - Math.max(a[start], b[start]);
}
