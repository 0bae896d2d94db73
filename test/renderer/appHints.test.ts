import { describe, expect, it } from 'vitest';
import type { ReplyError, UnfinishedRun } from '#shared/contract';
import type { ErrorCode, Remedy } from '#shared/errors';
import { inAppWords } from '../../src/renderer/src/store/appHints';

// Every error has the same message: the hint can only come from the remedy (and the line to resume after).
const error = (code: ErrorCode, remedy: Remedy, extra: Partial<ReplyError> = {}): ReplyError => ({
  code,
  message: 'Something went wrong.',
  remedy,
  ...extra,
});

describe('inAppWords', () => {
  it.for([
    [
      error('OUTPUT_EXISTS', { kind: 'overwriteOrChooseOutput' }),
      'Choose another output file, or tick “Replace the output if it already exists”.',
    ],
    [error('OUTPUT_EXISTS', { kind: 'chooseOutput', why: 'isFolder' }), 'Choose another output file.'],
    [
      error('OUTPUT_UNWRITABLE', { kind: 'createFolder' }),
      'Create the folder first, or choose an output file in another one.',
    ],
    [
      error('OUTPUT_UNWRITABLE', { kind: 'chooseOutput', why: 'folderUnwritable' }),
      'Choose an output file in a folder you can write to.',
    ],
    [
      error('OUTPUT_UNWRITABLE', { kind: 'chooseOutput', why: 'checkpointUnreadable' }),
      'Check its permissions, or choose another output file.',
    ],
    [
      error('OUTPUT_UNWRITABLE', { kind: 'freeDiskSpace', folder: 'output' }),
      'Free some space, or choose an output file on another disk.',
    ],
    [
      error('OUTPUT_UNWRITABLE', { kind: 'finishMove' }),
      'Mend that, then choose the same output file again: the finished files are moved into place.',
    ],
    [
      error('OUTPUT_UNWRITABLE', { kind: 'freeDiskSpace', folder: 'output' }, { resumeAfterLine: 4096 }),
      'Free some space on the disk, then press Resume unfinished run to go on after line 4,096.',
    ],
    [
      error('OUTPUT_UNWRITABLE', { kind: 'freeDiskSpace', folder: 'models' }),
      'Free some space, or choose another models folder; a partly downloaded file resumes where it stopped.',
    ],
    [error('OUTPUT_UNWRITABLE', { kind: 'chooseModelsFolder' }), 'Choose another models folder.'],
    [error('FILE_NOT_FOUND', { kind: 'checkPath', role: 'model' }), 'Check the path, or choose the file with Browse….'],
    [error('NOT_A_FILE', { kind: 'chooseFile', role: 'input', found: 'folder' }), 'Choose a file, not a folder.'],
    [error('NOT_A_FILE', { kind: 'chooseFile', role: 'input', found: 'other' }), 'Choose a regular file.'],
    [error('OUTPUT_EXISTS', { kind: 'moveAwayOrChooseOutput' }), 'Choose another output file, or move that one away.'],
    [
      error('OUTPUT_EXISTS', { kind: 'moveAwayOrOverwrite' }),
      'Move or delete it, or tick “Replace the output if it already exists” to replace it.',
    ],
    [
      error('OUTPUT_IS_INPUT', { kind: 'chooseOutput', why: 'isInput' }),
      'Choose another output file: the input is read while the output is written.',
    ],
    [
      error('CHECKPOINT_INVALID', { kind: 'replaceCheckpoint' }),
      'Tick “Replace the output if it already exists” to start again from the first line, which replaces it; or choose another output file.',
    ],
    [error('RESUME_REFUSED', { kind: 'startOver' }), 'Press Start over to start again from the first line.'],
    [
      error('INPUT_CHANGED', { kind: 'restoreInput', lastLine: 300, deleted: true }, { resumeAfterLine: 256 }),
      'Put the input file back as it was, then press Resume unfinished run to go on after line 256; or press Start over to start again from the first line.',
    ],
    [
      error('NOTHING_EMBEDDED', { kind: 'fixSkippedLines', reason: 'missing-field' }),
      'Check the input file and its settings (the JSON Lines field, the long-text policy): the skip log gives the reason for each line.',
    ],
    [
      error('NOTHING_EMBEDDED', { kind: 'advice', text: 'Choose an input file with one text per line.' }),
      'Choose an input file with one text per line.',
    ],
    [
      error('BAD_OPTION', { kind: 'chooseBackend' }),
      'Choose the backend “Best available” or “CPU only”, then load the model again.',
    ],
    [
      error('BAD_OPTION', { kind: 'fixOption', option: 'batchSize', example: '32' }),
      'Change “Batch size” in the settings, for example to 32.',
    ],
    [
      error('FILE_NOT_FOUND', { kind: 'downloadModel', catalog: true }),
      'Download it first with its Download button in the catalog.',
    ],
  ] as const)('words remedy %# with the app’s buttons and fields', ([original, hint]) => {
    expect(inAppWords(original)).toEqual({ ...original, hint });
  });

  it('words a start that found the run complete once its files had their final names', () => {
    expect(inAppWords(error('OUTPUT_EXISTS', { kind: 'embedAgain' })).hint).toBe(
      'Nothing is left to do; tick “Replace the output if it already exists” to embed the input again.',
    );
  });

  it('words a saved unfinished run by what the output’s unfinished run is', () => {
    const saved = error('OUTPUT_EXISTS', { kind: 'resumeOrStartOver' });
    const unfinished = (sameInput: boolean): UnfinishedRun => ({
      input: '/d/i.txt',
      sameInput,
      model: 'm',
      complete: false,
      lastLine: 10,
      embedded: 10,
    });
    expect(inAppWords(saved, unfinished(true)).hint).toBe(
      'Press Resume unfinished run to continue it, or Start over to start again from the first line.',
    );
    expect(inAppWords(saved, unfinished(false)).hint).toBe(
      'Press Start over to embed the chosen input from the first line instead, or choose another output file.',
    );
    expect(inAppWords(saved).hint).toBe(
      'Choose another output file, or tick “Replace the output if it already exists”.',
    );
  });

  it('keeps a hint the host or the app already worded as it is', () => {
    const busy: ReplyError = {
      code: 'BUSY',
      message: 'A run is already in progress.',
      hint: 'Wait for it to finish, or cancel it first.',
    };
    expect(inAppWords(busy)).toBe(busy);
    const worded: ReplyError = { ...error('MEMORY_LIMIT', { kind: 'useLessMemory' }), hint: 'Worded before.' };
    expect(inAppWords(worded)).toBe(worded);
  });
});
