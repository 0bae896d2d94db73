import { describe, expect, it } from 'vitest';
import type { ReplyError } from '../../src/shared/contract';
import { inAppWords } from '../../src/renderer/src/store/appHints';

const error = (code: string, message: string, hint: string, extra: Partial<ReplyError> = {}): ReplyError => ({ code, message, hint, ...extra });

describe('inAppWords', () => {
  it.for([
    [error('OUTPUT_EXISTS', 'Output /d/o.jsonl already exists.', 'Choose another --output path, or pass --overwrite to replace it.'), 'Choose another output file, or tick “Replace the output if it already exists”.'],
    [error('OUTPUT_EXISTS', 'Output /d/o.jsonl is a directory.', 'Choose another --output path.'), 'Choose another output file.'],
    [error('OUTPUT_UNWRITABLE', 'Output folder /nope does not exist.', 'Create the folder first or choose another --output path.'), 'Create the folder first, or choose an output file in another one.'],
    [error('OUTPUT_UNWRITABLE', 'Output folder /root is not writable (EACCES).', 'Choose an --output path in a folder you can write to.'), 'Choose an output file in a folder you can write to.'],
    [error('OUTPUT_UNWRITABLE', 'The disk is full: the output could not be written.', 'Free some space or choose an --output on another disk.'), 'Free some space, or choose an output file on another disk.'],
    [
      error('OUTPUT_UNWRITABLE', 'Every line is done, but the finished files could not be given their final names: EISDIR', 'Mend that and run the same command with --resume: it moves them into place.'),
      'Mend that, then choose the same output file again: the finished files are moved into place.',
    ],
    [
      error('OUTPUT_UNWRITABLE', 'The disk is full: the output could not be written.', 'Free some space or choose an --output on another disk.', { resumeAfterLine: 4096 }),
      'Free some space on the disk, then press Resume unfinished run to go on after line 4,096.',
    ],
    [error('FILE_NOT_FOUND', 'Model file /m.gguf does not exist.', 'Check the path given to --model.'), 'Check the path, or choose the file with Browse….'],
    [error('NOT_A_FILE', 'Input file /d is a directory, not a file.', 'Pass the path of a file with --input.'), 'Choose a file, not a folder.'],
    [error('NOT_A_FILE', 'Input file /p is a named pipe (FIFO), not a regular file.', 'Pass the path of a regular file with --input.'), 'Choose a regular file.'],
    [
      error('OUTPUT_EXISTS', 'Output /d/o.jsonl is a symbolic link, not a regular file: a run only ever replaces regular files.', 'Move it away, or choose another --output path.'),
      'Choose another output file, or move that one away.',
    ],
    [
      error('OUTPUT_EXISTS', '/d/o.jsonl.partial already exists and is not from a run of this output.', 'Move or delete it, or pass --overwrite to replace it.'),
      'Choose another output file, or tick “Replace the output if it already exists”.',
    ],
    [
      error('OUTPUT_IS_INPUT', 'Output /d/o.jsonl is the input file.', 'Choose another --output path: the input is read while the output is written.'),
      'Choose another output file: the input is read while the output is written.',
    ],
    [
      error('CHECKPOINT_INVALID', 'The checkpoint /d/o.jsonl.checkpoint is not one a run of /d/o.jsonl wrote: line 1 is not JSON.', 'Start again with --overwrite.'),
      'Tick “Replace the output if it already exists” to start again from the first line, which replaces it; or choose another output file.',
    ],
    [
      error('NOTHING_EMBEDDED', 'Nothing was embedded: all 3 lines of /d/i.jsonl were skipped (missing-field 3); /d/o.jsonl.skipped.jsonl gives the reason for each.', 'For JSON Lines, pass --field with the name of the field that holds each text (default: text).'),
      'Check the input file and its settings (the JSON Lines field, the long-text policy): the skip log gives the reason for each line.',
    ],
    [error('NOTHING_EMBEDDED', 'Nothing was embedded: /d/i.txt is empty.', 'Choose an input file with one text per line.'), 'Choose an input file with one text per line.'],
    [
      error('BAD_OPTION', 'The cuda backend is not available on this machine (no CUDA).', 'Use --gpu auto to pick the best available backend, or --gpu cpu.'),
      'Choose the backend “Best available” or “CPU only”, then load the model again.',
    ],
  ] as const)('words %# without command-line flags', ([original, hint]) => {
    expect(inAppWords(original)).toEqual({ ...original, hint });
    expect(hint).not.toMatch(/--[a-z]/);
  });

  it('words a start that found the run complete once its files had their final names', () => {
    const done = error('OUTPUT_EXISTS', '/d/o.jsonl is complete: its run had done every line and was stopped while giving the files their final names, which is done now.', 'Nothing is left to do; pass --overwrite to embed the input again.');
    expect(inAppWords(done).hint).toBe('Nothing is left to do; tick “Replace the output if it already exists” to embed the input again.');
  });

  it('keeps a hint that names no flag as it is', () => {
    const original = error('MODEL_DAMAGED', 'This model file is damaged or unsupported: tensor data is cut short.', 'Download the model again.');
    expect(inAppWords(original)).toBe(original);
  });
});
