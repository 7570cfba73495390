// A server's target (its URL, or its command line) as Airlock shows and logs it: credentials in
// it become "***" and the rest stays as the user wrote it, so a person still recognises it.
// `https://user:***@host/mcp?api_key=***&page=2`, `npx server --token ***`.
import type { Redactor } from '../redaction/redactor';

const MASK = '***';

/** Words that mark a query parameter or a flag as a credential, beyond the redactor's field names. */
const SECRET_WORDS = new Set(['key', 'sig', 'signature', 'auth', 'pass', 'pwd', 'pw']);

const URL_START = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/s;
/** A flag on its own, whose value is the next argument: `--token`, `-password`. */
const FLAG = /^--?([A-Za-z][\w.-]*)$/;
/** `--api-key=abc`, `DB_PASSWORD=abc`: a name, "=", a value. */
const ASSIGNMENT = /^(-{0,2}([A-Za-z_][\w.-]*))=(.*)$/s;
const PLACEHOLDER = /\[redacted:[^\]\s]*\]/g;

export interface TargetMasker {
  /** The URL with its password (or a user name alone, which is a token), secret query values and tokens masked. */
  url(url: string): string;
  /** Each argument with secrets masked; a secret-named flag's next argument is masked whole. */
  args(args: readonly string[]): string[];
}

export function targetMasker(redactor: Redactor): TargetMasker {
  const isSecretName = (name: string) =>
    redactor.isSecretName(name) ||
    name
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .some((word) => SECRET_WORDS.has(word));

  /** Known token formats and labelled values ("Authorization: Bearer x") become "***". */
  const knownSecrets = (text: string) => redactor.text(text).replace(PLACEHOLDER, MASK);

  /** `a=1&api_key=x`: values of secret-named parameters masked, other parts scanned for tokens. */
  const params = (text: string) =>
    text
      .split('&')
      .map((part) => {
        const eq = part.indexOf('=');
        if (eq <= 0) return knownSecrets(part);
        const name = part.slice(0, eq);
        const value = part.slice(eq + 1);
        if (value !== '' && isSecretName(safeDecode(name))) return `${name}=${MASK}`;
        return `${knownSecrets(name)}=${knownSecrets(value)}`;
      })
      .join('&');

  const url = (text: string): string => {
    const match = URL_START.exec(text);
    if (!match) return knownSecrets(text);
    const [, scheme, authority, rest] = match as unknown as [string, string, string, string];
    const at = authority.lastIndexOf('@');
    let host = authority;
    if (at >= 0) {
      const userinfo = authority.slice(0, at);
      const colon = userinfo.indexOf(':');
      const masked =
        colon < 0
          ? MASK
          : colon === userinfo.length - 1
            ? userinfo
            : `${userinfo.slice(0, colon)}:${MASK}`;
      host = `${masked}${authority.slice(at)}`;
    }
    const hashAt = rest.indexOf('#');
    const beforeHash = hashAt < 0 ? rest : rest.slice(0, hashAt);
    const hash = hashAt < 0 ? undefined : rest.slice(hashAt + 1);
    const queryAt = beforeHash.indexOf('?');
    const path = queryAt < 0 ? beforeHash : beforeHash.slice(0, queryAt);
    const query = queryAt < 0 ? undefined : beforeHash.slice(queryAt + 1);
    return (
      scheme +
      host +
      path.split('/').map(knownSecrets).join('/') +
      (query === undefined ? '' : `?${params(query)}`) +
      // OAuth puts tokens in the fragment: #access_token=...
      (hash === undefined ? '' : `#${params(hash)}`)
    );
  };

  const arg = (text: string): string => {
    if (URL_START.test(text)) return url(text);
    const assignment = ASSIGNMENT.exec(text);
    if (assignment) {
      const [, left, name, value] = assignment as unknown as [string, string, string, string];
      if (value !== '' && isSecretName(name)) return `${left}=${MASK}`;
      return `${left}=${arg(value)}`;
    }
    return knownSecrets(text);
  };

  return {
    url,
    args: (args) =>
      args.map((text, i) => {
        const flag = i > 0 ? FLAG.exec(args[i - 1]!) : null;
        // "--no-auth" switches something off; it takes no value.
        const takesSecret = flag && !/^no-/i.test(flag[1]!) && isSecretName(flag[1]!);
        if (takesSecret && !text.startsWith('-') && text !== '') return MASK;
        return arg(text);
      }),
  };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
