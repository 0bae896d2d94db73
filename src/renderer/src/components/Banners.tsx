import { useActions, useStudio } from '../store/StoreContext';
import { ErrorMessage } from './ErrorMessage';

/** Problems reaching the host, and short notes such as why a dropped file was not taken. */
export function Banners() {
  const appError = useStudio((state) => state.appError);
  const notice = useStudio((state) => state.notice);
  const actions = useActions();
  return (
    <>
      {appError && (
        <div className="banner banner-error">
          <ErrorMessage error={appError} />
        </div>
      )}
      {notice && (
        <div className="banner" role="status">
          <p>{notice}</p>
          <button type="button" className="link" onClick={actions.dismissNotice}>
            Dismiss
          </button>
        </div>
      )}
    </>
  );
}
