// Pieces every screen shares, so they look and read the same everywhere: the header with its
// live count, and the banner for the last thing that went wrong (whose message may quote what an
// agent or a server sent).
import { shown } from './shown-text';

export function ScreenHeader({ id, title, count }: { id: string; title: string; count: string }) {
  return (
    <header className="screen-header">
      <h2 id={id}>{title}</h2>
      <span className="count" aria-live="polite">
        {count}
      </span>
    </header>
  );
}

export function ErrorBanner({
  message,
  onDismiss,
}: {
  message: string | undefined;
  onDismiss(): void;
}) {
  if (!message) return null;
  return (
    <div className="banner error" role="alert">
      <span>{shown(message)}</span>
      <button type="button" onClick={onDismiss}>
        Dismiss
      </button>
    </div>
  );
}
