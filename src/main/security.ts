import { app, shell, type Session } from 'electron';

/**
 * The addresses the app may open in the user's browser, exactly as written. None today: no link leaves the app, so a
 * page that was made to ask (window.open, a link with a target) opens nothing.
 */
export const EXTERNAL_LINKS: readonly string[] = [];

/** Opens `url` in the user's browser if it is on the allow-list; says whether it did. */
export function openExternalLink(url: string, allowed: readonly string[] = EXTERNAL_LINKS): boolean {
  if (!allowed.includes(url)) return false;
  void shell.openExternal(url);
  return true;
}

/** Refuses every permission a page asks for (camera, notifications, clipboard ...) and answers every check with no. */
export function denyPermissions(target: Session): void {
  target.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  target.setPermissionCheckHandler(() => false);
}

/**
 * Applies to every web contents the app ever creates, the window's and any other: no new windows (an allowed link
 * opens in the browser instead), no navigation away from the page, no <webview>, no permissions. Call before the first
 * window is created.
 */
export function guardWebContents(): void {
  app.on('web-contents-created', (_event, contents) => {
    denyPermissions(contents.session);
    contents.setWindowOpenHandler(({ url }) => {
      openExternalLink(url);
      return { action: 'deny' };
    });
    contents.on('will-navigate', (event) => event.preventDefault());
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
}
