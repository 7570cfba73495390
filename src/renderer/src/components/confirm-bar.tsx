// The second step of a destructive action (revoke a client, remove a server): what will happen,
// in words, and the buttons that do it or back out.
import type { ReactNode } from 'react';

export function ConfirmBar({
  label,
  confirmText,
  busy,
  onConfirm,
  onCancel,
  children,
}: {
  /** Names the group for assistive technology and tests, e.g. "Revoke laptop". */
  label: string;
  confirmText: string;
  busy: boolean;
  onConfirm(): void;
  onCancel(): void;
  /** What confirming will do. */
  children: ReactNode;
}) {
  return (
    <div className="actions confirm" role="group" aria-label={label}>
      <span>{children}</span>
      <button type="button" className="deny" disabled={busy} onClick={onConfirm}>
        {confirmText}
      </button>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}
