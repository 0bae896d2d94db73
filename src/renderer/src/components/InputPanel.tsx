import type { InputInfo } from '#shared/contract';
import type { InputFormat, LongTextPolicy } from '#shared/engine';
import { formatBytes, formatCount, plural } from '#shared/format';
import { SKIP_REASONS } from '../skipReasons';
import { useActions, useStudio } from '../store/StoreContext';
import { Facts } from './Facts';
import { PathField } from './PathField';
import { SelectField } from './SelectField';

type FormatChoice = InputFormat | 'auto';

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
  const jsonl = (input.format ?? input.info?.format) === 'jsonl';

  return (
    <section className="panel" aria-labelledby="input-heading">
      <h2 id="input-heading">2. Input</h2>
      <PathField
        id="input-path"
        label="Input file"
        value={input.path}
        placeholder="/path/to/texts.txt or .jsonl"
        error={input.error}
        onChange={actions.setInputPath}
        onCommit={() => void actions.inspectInput()}
        onBrowse={host === 'electron' ? () => void actions.pickInput() : undefined}
      />
      <div className="field-row">
        <SelectField
          id="input-format"
          label="Input format"
          value={input.format ?? 'auto'}
          options={FORMAT_OPTIONS}
          onChange={(choice) => actions.setInputFormat(choice === 'auto' ? null : choice)}
        />
        {jsonl && (
          <div className="field">
            <label htmlFor="input-field">JSON field with the text</label>
            <input
              id="input-field"
              type="text"
              value={input.field}
              placeholder="text"
              spellCheck={false}
              onChange={(event) => actions.setInputField(event.target.value)}
              onBlur={() => void actions.inspectInput()}
            />
          </div>
        )}
      </div>
      {input.inspecting && (
        <p className="status" role="status">
          Reading the file…
        </p>
      )}
      {input.info && <InputDetails info={input.info} />}
    </section>
  );
}

function InputDetails({ info }: { info: InputInfo }) {
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
