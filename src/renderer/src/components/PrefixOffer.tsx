import { catalogEntryFor } from '../store/librarySlice';
import { useActions, useStudio } from '../store/StoreContext';

/** What prefix the chosen catalog model expects on documents, with a button to use it. */
export function PrefixOffer() {
  const catalog = useStudio((state) => state.library.catalog);
  const path = useStudio((state) => state.model.path);
  const prefix = useStudio((state) => state.settings.prefix);
  const actions = useActions();
  const entry = catalogEntryFor(catalog, path);
  if (!entry || (!entry.documentPrefix && !entry.queryPrefix)) return null;
  const queries = entry.queryPrefix
    ? ` Queries searched against them take “${entry.queryPrefix.replace(/\n/g, '↵')}”.`
    : '';
  if (!entry.documentPrefix)
    return (
      <p className="note">
        {entry.name} needs no prefix on documents.{queries}
      </p>
    );
  if (prefix === entry.documentPrefix)
    return (
      <p className="note">
        The prefix {entry.name} expects on documents.{queries}
      </p>
    );
  return (
    <p className="note offer-inline">
      {entry.name} expects “{entry.documentPrefix}” before each document.{queries}{' '}
      <button type="button" className="link" onClick={() => actions.setPrefix(entry.documentPrefix)}>
        Use “{entry.documentPrefix.trim()}”
      </button>
    </p>
  );
}
