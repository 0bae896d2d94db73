import type { OpenDialogOptions } from 'electron';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const opened: OpenDialogOptions[] = [];
let answer: { canceled: boolean; filePaths: string[] } = { canceled: false, filePaths: [] };

vi.mock('electron', () => ({
  dialog: {
    showOpenDialog: (options: OpenDialogOptions) => {
      opened.push(options);
      return Promise.resolve(answer);
    },
  },
  shell: { showItemInFolder: () => undefined },
}));

const { electronDialogs } = await import('../../src/main/dialogs');

describe('the native dialogs', () => {
  beforeEach(() => {
    opened.length = 0;
  });

  it('picks a folder of documents as the input, and answers null when the dialog is closed', async () => {
    const dialogs = electronDialogs(() => null);
    answer = { canceled: false, filePaths: ['/data/notes'] };
    expect(await dialogs.pickInputFolder()).toBe('/data/notes');
    expect(opened[0]?.properties).toEqual(['openDirectory']);
    answer = { canceled: true, filePaths: [] };
    expect(await dialogs.pickInputFolder()).toBeNull();
  });
});
