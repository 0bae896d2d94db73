import type { ViewName } from './types';

/** What a key press asks for: another view, or the search box of Explore. */
export type Shortcut = { kind: 'view'; view: ViewName } | { kind: 'search' };

/** A key press as the window's keydown event reports it. */
export interface KeyPress {
  key: string;
  /** The physical key (`Digit1`), the same whatever Alt makes of it on a Mac. */
  code: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
  /** The key goes to a text field, a select or another control that takes typing. */
  typing: boolean;
}

export const VIEW_KEYS: ReadonlyArray<{ view: ViewName; digit: string }> = [
  { view: 'models', digit: '1' },
  { view: 'embed', digit: '2' },
  { view: 'explore', digit: '3' },
];

/**
 * The app's keyboard shortcuts: Ctrl/Cmd+1, 2, 3 for the views (Alt+1, 2, 3 too, for a browser that keeps Ctrl+digit
 * for its own tabs), Ctrl/Cmd+K for the search box, and `/` for it where no field takes the key.
 */
export function shortcutOf(press: KeyPress): Shortcut | null {
  const command = press.ctrlKey !== press.metaKey && !press.altKey;
  const alt = press.altKey && !press.ctrlKey && !press.metaKey;
  if (press.shiftKey) return null;
  if (command || alt) {
    const digit = /^Digit(\d)$/.exec(press.code)?.[1] ?? press.key;
    const view = VIEW_KEYS.find((each) => each.digit === digit)?.view;
    if (view) return { kind: 'view', view };
  }
  if (command && press.key.toLowerCase() === 'k') return { kind: 'search' };
  if (press.key === '/' && !press.typing && !press.ctrlKey && !press.metaKey && !press.altKey)
    return { kind: 'search' };
  return null;
}

/** How a shortcut is written on its button: ⌘ on a Mac, Ctrl elsewhere. */
export function shortcutLabel(digitOrKey: string, mac: boolean): string {
  return mac ? `⌘${digitOrKey}` : `Ctrl+${digitOrKey}`;
}
