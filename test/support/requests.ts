/** Request parameters the host accepts, for tests that change one field at a time. */
export const goodJob = {
  input: '/data/in.txt',
  inputFormat: null,
  field: null,
  output: '/data/out.jsonl',
  format: null,
  overwrite: false,
  batchSize: 32,
  normalize: 'l2',
  prefix: '',
  onLong: 'truncate',
  continueOnError: true,
  memoryLimitMb: null,
};
export const goodLoad = { path: '/models/m.gguf', gpu: 'auto', threads: null, contextSize: null };
