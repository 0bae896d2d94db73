import { useActions, useStudio } from '../store/StoreContext';
import { FirstModelOffer } from './FirstModelOffer';
import { ModelCatalog } from './ModelCatalog';
import { ModelLibrary } from './ModelLibrary';

/** The models on this computer, the catalog and downloads; Use takes a model to Embed. */
export function ModelsView() {
  const modelPath = useStudio((state) => state.model.path.trim());
  const actions = useActions();
  const use = (path: string): void => {
    actions.setModelPath(path);
    actions.showView('embed');
  };
  return (
    <div className="view-scroll">
      <section className="panel view-narrow" aria-labelledby="models-heading">
        <h2 id="models-heading">Models</h2>
        <p className="note">
          {modelPath ? (
            <>
              Model file for Embed: <code>{modelPath}</code>
            </>
          ) : (
            'Use a model below to embed with it.'
          )}
        </p>
        <FirstModelOffer />
        <ModelLibrary onUse={use} />
        <ModelCatalog onUse={use} />
      </section>
    </div>
  );
}
