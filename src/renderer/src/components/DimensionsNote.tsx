import { dimensionsNote } from '../store/librarySlice';
import { useStudio } from '../store/StoreContext';

/** Beside the dimensions field: whether the chosen model was trained for shorter vectors (see dimensionsNote). */
export function DimensionsNote() {
  const catalog = useStudio((state) => state.library.catalog);
  const path = useStudio((state) => state.model.path);
  const dimensions = useStudio((state) => state.settings.values.dimensions);
  const note = dimensionsNote(catalog, path, dimensions);
  if (!note) return null;
  return (
    <p
      className={note.warning ? 'note warning' : 'note'}
      id="dimensions-note"
      role={note.warning ? 'status' : undefined}
    >
      {note.text}
    </p>
  );
}
