import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { ErrorMessage } from '../../src/renderer/src/components/ErrorMessage';

describe('ErrorMessage', () => {
  it('words the remedy of an error the store did not word, such as a failed download’s', () => {
    const html = renderToStaticMarkup(
      <ErrorMessage
        error={{
          code: 'OUTPUT_UNWRITABLE',
          message: 'The disk holding /models is full.',
          remedy: { kind: 'freeDiskSpace', folder: 'models' },
        }}
      />,
    );
    expect(html).toContain('<p class="error-message">The disk holding /models is full.</p>');
    expect(html).toContain(
      '<p class="error-hint">Free some space, or choose another models folder; a partly downloaded file resumes where it stopped.</p>',
    );
  });

  it('shows a hint already worded as it is', () => {
    const html = renderToStaticMarkup(
      <ErrorMessage
        error={{ code: 'BUSY', message: 'A model is still loading.', hint: 'Start the run once the model is loaded.' }}
      />,
    );
    expect(html).toContain('<p class="error-hint">Start the run once the model is loaded.</p>');
  });
});
