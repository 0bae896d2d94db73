import { dialog, shell, type BrowserWindow, type OpenDialogOptions, type SaveDialogOptions } from 'electron';
import type { Dialogs } from '#host/studioService';

/** Native file dialogs, attached to the window when there is one. */
export function electronDialogs(window: () => BrowserWindow | null): Dialogs {
  const open = async (options: OpenDialogOptions): Promise<string | null> => {
    const parent = window();
    const result = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options);
    return result.canceled ? null : (result.filePaths[0] ?? null);
  };
  const save = async (options: SaveDialogOptions): Promise<string | null> => {
    const parent = window();
    const result = parent ? await dialog.showSaveDialog(parent, options) : await dialog.showSaveDialog(options);
    return result.canceled ? null : result.filePath || null;
  };
  return {
    pickModel: () =>
      open({
        title: 'Choose an embedding model',
        properties: ['openFile'],
        filters: [
          { name: 'GGUF models', extensions: ['gguf'] },
          { name: 'All files', extensions: ['*'] },
        ],
      }),
    pickInput: () =>
      open({
        title: 'Choose a text file to embed',
        properties: ['openFile'],
        filters: [
          { name: 'Text and JSON Lines', extensions: ['txt', 'text', 'jsonl', 'ndjson', 'csv', 'tsv', 'md'] },
          { name: 'All files', extensions: ['*'] },
        ],
      }),
    pickInputFolder: () => open({ title: 'Choose a folder of documents to embed', properties: ['openDirectory'] }),
    pickOutput: (suggestedPath) =>
      save({
        title: 'Save the embeddings as',
        defaultPath: suggestedPath ?? undefined,
        properties: ['showOverwriteConfirmation', 'createDirectory'],
        filters: [
          { name: 'JSON Lines', extensions: ['jsonl'] },
          { name: 'NumPy array', extensions: ['npy'] },
          { name: 'Parquet', extensions: ['parquet'] },
          { name: 'LanceDB table', extensions: ['lance'] },
        ],
      }),
    pickEmbeddings: () =>
      open({
        title: 'Choose embeddings to explore',
        properties: ['openFile'],
        filters: [
          { name: 'Embeddings', extensions: ['jsonl', 'npy', 'parquet'] },
          { name: 'All files', extensions: ['*'] },
        ],
      }),
    reveal: async (path) => shell.showItemInFolder(path),
  };
}
