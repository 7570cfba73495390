// The one rule for names that end up in URL paths and file names: server ids and grant names.

export const NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$';

export const NAME_RULE =
  'use 1 to 64 letters, digits, "_", "." or "-", starting with a letter or digit';

const NAME_REGEXP = new RegExp(NAME_PATTERN);

export function isValidName(name: string): boolean {
  return NAME_REGEXP.test(name);
}
