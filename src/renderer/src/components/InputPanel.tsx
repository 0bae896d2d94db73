import type { ChunkPreview, FileInputInfo, FolderInputInfo } from '#shared/contract';
import type { InputFormat, LongTextPolicy } from '#shared/engine';
import { formatBytes, formatCount, plural } from '#shared/format';
import { SKIP_REASONS } from '../skipReasons';
import { useActions, useStudio } from '../store/StoreContext';
import { Facts } from './Facts';
import { PathField } from './PathField';
import { SelectField } from './SelectField';

type FormatChoice = InputFormat | 'auto';

const RECORD_EXTENSIONS: readonly string[] = ['.jsonl', '.ndjson', '.csv'];

const FORMAT_OPTIONS: ReadonlyArray<{ value: FormatChoice; label: string }> = [
  { value: 'auto', label: 'Detect' },
  { value: 'text', label: 'Text (one per line)' },
  { value: 'jsonl', label: 'JSONL (JSON per line)' },
];

const LONG_TEXT_OUTCOME: Record<LongTextPolicy, string> = {
  truncate: 'they will be truncated',
  skip: 'they will be skipped',
  fail: 'the run will stop at the first one',
  chunk: 'they will be cut into chunks, a row each',
  mean: 'they will be cut into chunks, averaged into one row',
};

export function InputPanel() {
  const input = useStudio((state) => state.input);
  const host = useStudio((state) => state.host);
  const actions = useActions();
  const info = input.info;
  const jsonl = (input.format ?? (info?.kind === 'file' ? info.format : null)) === 'jsonl';

  return (
    <section className="panel" aria-labelledby="input-heading">
      <h2 id="input-heading">2. Input</h2>
      <PathField
        id="input-path"
        label="Input file or folder"
        value={input.path}
        placeholder="/path/to/texts.txt or .jsonl, or a folder of documents"
        error={input.error}
        onChange={actions.setInputPath}
        onCommit={() => void actions.inspectInput()}
        onBrowse={host === 'electron' ? () => void actions.pickInput() : undefined}
      >
        {host === 'electron' && (
          <button type="button" onClick={() => void actions.pickInputFolder()}>
            Browse folder…
          </button>
        )}
      </PathField>
      {info?.kind === 'folder' ? (
        <div className="field-row">
          <div className="field">
            <label htmlFor="input-glob">Documents (glob)</label>
            <input
              id="input-glob"
              type="text"
              value={input.glob}
              placeholder={input.glob.trim() ? undefined : info.glob}
              spellCheck={false}
              onChange={(event) => actions.setInputGlob(event.target.value)}
              onBlur={() => void actions.inspectInput()}
              onKeyDown={(event) => {
                if (event.key === 'Enter') void actions.inspectInput();
              }}
            />
          </div>
          {info.kinds.some((kind) => RECORD_EXTENSIONS.includes(kind.extension)) && (
            <FieldInput label="Field (column) of .jsonl and .csv documents" />
          )}
        </div>
      ) : (
        <div className="field-row">
          <SelectField
            id="input-format"
            label="Input format"
            value={input.format ?? 'auto'}
            options={FORMAT_OPTIONS}
            onChange={(choice) => actions.setInputFormat(choice === 'auto' ? null : choice)}
          />
          {jsonl && <FieldInput label="JSON field with the text" />}
        </div>
      )}
      {input.inspecting && (
        <p className="status" role="status">
          {info?.kind === 'folder' ? 'Reading the folder…' : 'Reading the file…'}
        </p>
      )}
      {info?.kind === 'file' && <InputDetails info={info} />}
      {info?.kind === 'folder' && <FolderDetails info={info} />}
    </section>
  );
}

function InputDetails({ info }: { info: FileInputInfo }) {
  const model = useStudio((state) => state.model.info);
  const onLong = useStudio((state) => state.settings.onLong);
  const { tokens } = info;
  return (
    <>
      <Facts
        label="About the input"
        rows={[
          ['Size', formatBytes(info.sizeBytes)],
          ['Lines', formatCount(info.lines)],
          ['Format', info.format === 'jsonl' ? 'JSONL' : 'Text'],
        ]}
      />
      {tokens ? (
        <div className="tokens">
          <h3>Tokens per line</h3>
          <p>
            In a sample of {plural(tokens.sampled, 'line')}: min {formatCount(tokens.min)}, median{' '}
            {formatCount(tokens.median)}, 95% up to {formatCount(tokens.p95)}, max {formatCount(tokens.max)}.
          </p>
          {tokens.overContext > 0 && model && (
            <p className="warning">
              {formatCount(tokens.overContext)} of them {tokens.overContext === 1 ? 'is' : 'are'} longer than the
              model’s context of {formatCount(model.contextSize)} tokens: {LONG_TEXT_OUTCOME[onLong]}.
            </p>
          )}
        </div>
      ) : (
        <p className="note">Load a model to see how many tokens the lines have.</p>
      )}
      <h3>First lines</h3>
      <ol className="preview">
        {info.preview.map((item) =>
          'reason' in item ? (
            <li key={item.line} className="preview-skipped">
              <span className="line-number">{item.line}</span>
              <span className="skip-reason">Skipped: {SKIP_REASONS[item.reason]}</span>
              {item.detail && <span className="skip-detail">{item.detail}</span>}
            </li>
          ) : (
            <li key={item.line}>
              <span className="line-number">{item.line}</span>
              <span className="preview-text">{item.text}</span>
            </li>
          ),
        )}
      </ol>
    </>
  );
}

/** A folder's documents by kind with their sizes, and how its first document is cut into chunks. */
function FolderDetails({ info }: { info: FolderInputInfo }) {
  const documents = info.kinds.reduce((sum, kind) => sum + kind.files, 0);
  const bytes = info.kinds.reduce((sum, kind) => sum + kind.bytes, 0);
  return (
    <>
      <Facts
        label="About the folder"
        rows={[
          ['Documents', `${formatCount(documents)} (${formatBytes(bytes)})`],
          ...info.kinds.map((kind): [string, string] => [
            kind.extension,
            `${plural(kind.files, 'file')}, ${formatBytes(kind.bytes)}`,
          ]),
        ]}
      />
      {info.unsupported.files > 0 && (
        <p className="warning">
          {plural(info.unsupported.files, 'file')} ({formatBytes(info.unsupported.bytes)}) the glob chooses{' '}
          {info.unsupported.files === 1 ? 'is' : 'are'} of no kind read: each will be a skipped line.
        </p>
      )}
      {info.leftOut > 0 && (
        <p className="note">
          {plural(info.leftOut, 'other file')} of the folder {info.leftOut === 1 ? 'is' : 'are'} left out by the glob.
        </p>
      )}
      {documents === 0 ? (
        <p className="warning">
          No document to embed: choose a folder with .txt, .md, .html, .pdf, .jsonl or .csv files, or a glob that
          matches some.
        </p>
      ) : (
        <ChunkPreviewList info={info} />
      )}
    </>
  );
}

function ChunkPreviewList({ info }: { info: FolderInputInfo }) {
  const { preview } = info;
  if (!preview) return <p className="note">None of the first documents gives text to preview.</p>;
  const where = preview.page === null ? preview.source : `${preview.source} p.${preview.page}`;
  const { chunking } = preview;
  if (!chunking) return <p className="note">Load a model to see how {where} is cut into chunks.</p>;
  const { window, chunks, more } = chunking;
  return (
    <div className="chunk-preview">
      <h3>Chunks of {where}</h3>
      <p className="note">
        Chunks of up to {formatCount(window.tokens)} tokens, each repeating up to {formatCount(window.overlap)} of the
        one before, as the run will cut them.
      </p>
      <ol className="chunks" aria-label={`Chunks of ${where}`}>
        {chunks.map((chunk, index) => (
          <li key={chunk.chunk} className={index % 2 === 0 ? 'chunk chunk-even' : 'chunk chunk-odd'}>
            <span className="chunk-head">
              Chunk {chunk.chunk} · {plural(chunk.tokens, 'token')} · characters {formatCount(chunk.charStart)}–
              {formatCount(chunk.charEnd)}
            </span>
            <ChunkText chunk={chunk} previous={chunks[index - 1]} />
          </li>
        ))}
      </ol>
      {more && <p className="note">… and more chunks after these.</p>}
    </div>
  );
}

/** A chunk's text, what it repeats of the chunk before marked. */
function ChunkText({ chunk, previous }: { chunk: ChunkPreview; previous: ChunkPreview | undefined }) {
  const characters = [...chunk.text];
  const repeated = previous ? Math.max(0, Math.min(previous.charEnd - chunk.charStart, characters.length)) : 0;
  // In a text cut in its middle, only a repeat within its start can be marked.
  const marked = chunk.cut && characters.slice(0, repeated).includes('…') ? 0 : repeated;
  return (
    <span className="chunk-text">
      {marked > 0 && (
        <mark className="chunk-overlap" title="Repeated from the chunk before">
          {characters.slice(0, marked).join('')}
        </mark>
      )}
      {characters.slice(marked).join('')}
    </span>
  );
}

/** The field (or CSV column) that holds each text, read again when it is left. */
function FieldInput({ label }: { label: string }) {
  const field = useStudio((state) => state.input.field);
  const actions = useActions();
  return (
    <div className="field">
      <label htmlFor="input-field">{label}</label>
      <input
        id="input-field"
        type="text"
        value={field}
        placeholder="text"
        spellCheck={false}
        onChange={(event) => actions.setInputField(event.target.value)}
        onBlur={() => void actions.inspectInput()}
      />
    </div>
  );
}
