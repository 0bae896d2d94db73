import { useEffect } from 'react';
import { shortcutOf, type Shortcut } from '../store/shortcuts';

/** Follows the window's key presses and hands the app's shortcuts to `apply`, keeping them from the page. */
export function useShortcuts(apply: (shortcut: Shortcut) => void): void {
  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      const { key, code, ctrlKey, metaKey, altKey, shiftKey } = event;
      const shortcut = shortcutOf({ key, code, ctrlKey, metaKey, altKey, shiftKey, typing: takesTyping(event.target) });
      if (!shortcut) return;
      event.preventDefault();
      apply(shortcut);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [apply]);
}

function takesTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement)
    return true;
  return target instanceof HTMLInputElement && !['checkbox', 'radio', 'button', 'submit'].includes(target.type);
}
