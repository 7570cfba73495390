// Arguments as the Pending screen shows them: pretty JSON text with long strings folded, so one
// huge value cannot push the buttons off screen. The result is plain text, shown as text.

export const FOLD_AT = 240;

export function formatArgs(args: unknown, fold: boolean): { text: string; folded: boolean } {
  let folded = false;
  const text = JSON.stringify(
    args ?? {},
    (_key, value: unknown) => {
      if (fold && typeof value === 'string' && value.length > FOLD_AT) {
        folded = true;
        return `${value.slice(0, FOLD_AT)}… (${value.length - FOLD_AT} more characters)`;
      }
      return value;
    },
    2,
  );
  return { text: text ?? 'null', folded };
}

/** "1:05" for 65 s; "expired" once the time has passed. */
export function formatCountdown(ms: number): string {
  if (ms <= 0) return 'expired';
  const seconds = Math.ceil(ms / 1000);
  const minutes = Math.floor(seconds / 60);
  return `${minutes}:${String(seconds % 60).padStart(2, '0')}`;
}
