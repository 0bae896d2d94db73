import { describe, expect, it } from 'vitest';
import { remedyHint } from '../../src/cli/remedyHint';
import type { Remedy, RemedyKind } from '#shared/errors';
import { appHint } from '../../src/renderer/src/store/appHints';

/** A sample of every kind of remedy: a new kind does not compile here until it has one. */
const SAMPLES: { [K in RemedyKind]: Array<Extract<Remedy, { kind: K }>> } = {
  advice: [{ kind: 'advice', text: 'Check the file permissions.' }],
  checkPath: [
    { kind: 'checkPath', role: 'input' },
    { kind: 'checkPath', role: 'model' },
  ],
  chooseFile: [
    { kind: 'chooseFile', role: 'input', found: 'folder' },
    { kind: 'chooseFile', role: 'model', found: 'other' },
  ],
  createFolder: [{ kind: 'createFolder' }],
  chooseOutput: [
    { kind: 'chooseOutput', why: 'isFolder' },
    { kind: 'chooseOutput', why: 'isInput' },
    { kind: 'chooseOutput', why: 'folderUnwritable' },
    { kind: 'chooseOutput', why: 'checkpointUnreadable' },
  ],
  moveAwayOrChooseOutput: [{ kind: 'moveAwayOrChooseOutput' }],
  moveAwayOrOverwrite: [{ kind: 'moveAwayOrOverwrite' }],
  overwriteOrChooseOutput: [{ kind: 'overwriteOrChooseOutput' }],
  resumeOrStartOver: [{ kind: 'resumeOrStartOver' }],
  embedAgain: [{ kind: 'embedAgain' }],
  startOver: [{ kind: 'startOver' }],
  resumeWithSameSettings: [{ kind: 'resumeWithSameSettings' }],
  reuseMatchingOutput: [{ kind: 'reuseMatchingOutput' }],
  replaceCheckpoint: [{ kind: 'replaceCheckpoint' }],
  embedOutputAgain: [{ kind: 'embedOutputAgain' }],
  chooseRunModel: [{ kind: 'chooseRunModel', file: 'bge-small-en-v1.5-q8_0.gguf' }],
  rebuildIndex: [{ kind: 'rebuildIndex', output: 'texts.parquet' }],
  chooseRowLine: [{ kind: 'chooseRowLine', last: 1200 }],
  restoreInput: [
    { kind: 'restoreInput', lastLine: 12, deleted: true },
    { kind: 'restoreInput', lastLine: 12, deleted: false },
  ],
  finishMove: [{ kind: 'finishMove' }],
  freeDiskSpace: [
    { kind: 'freeDiskSpace', folder: 'output' },
    { kind: 'freeDiskSpace', folder: 'models' },
  ],
  chooseModelsFolder: [{ kind: 'chooseModelsFolder' }],
  useLessMemory: [{ kind: 'useLessMemory' }],
  handleLongTexts: [{ kind: 'handleLongTexts' }],
  skipFailedLines: [{ kind: 'skipFailedLines' }],
  fixSkippedLines: [
    { kind: 'fixSkippedLines', reason: 'missing-field' },
    { kind: 'fixSkippedLines', reason: null },
  ],
  chooseBackend: [{ kind: 'chooseBackend' }],
  buildEngine: [{ kind: 'buildEngine' }],
  chooseFormat: [{ kind: 'chooseFormat' }],
  fixOption: [
    { kind: 'fixOption', option: 'threads' },
    { kind: 'fixOption', option: 'contextSize' },
    { kind: 'fixOption', option: 'batchSize', example: '32' },
    { kind: 'fixOption', option: 'memoryLimitMb' },
    { kind: 'fixOption', option: 'normalize', example: 'l2' },
    { kind: 'fixOption', option: 'onLong', example: 'truncate' },
    { kind: 'fixOption', option: 'dimensions', example: '256' },
  ],
  fewerDimensions: [{ kind: 'fewerDimensions', max: 768 }],
  downloadModel: [
    { kind: 'downloadModel', catalog: true },
    { kind: 'downloadModel', catalog: false },
  ],
};

const remedies: Remedy[] = Object.values(SAMPLES).flat();

describe('remedies', () => {
  it.for(remedies)('are worded by the command line and by the app: %j', (remedy) => {
    const cli = remedyHint(remedy);
    const app = appHint(remedy);
    for (const hint of [cli, app]) expect(hint).toMatch(/^\S.*[.)]$/);
    // The app names no flag; the command line none of the app's buttons or boxes.
    expect(app).not.toMatch(/--[a-z]/);
    expect(cli).not.toMatch(/Browse|tick|Press|button/i);
  });

  it.for(remedies)('cross IPC and JSON unchanged: %j', (remedy) => {
    expect(JSON.parse(JSON.stringify(remedy))).toEqual(remedy);
    expect(structuredClone(remedy)).toEqual(remedy);
  });

  it('are worded differently where the front ends differ', () => {
    const overwrite: Remedy = { kind: 'overwriteOrChooseOutput' };
    expect(remedyHint(overwrite)).toBe('Choose another --output path, or pass --overwrite to replace it.');
    expect(appHint(overwrite)).toBe('Choose another output file, or tick “Replace the output if it already exists”.');
  });
});
