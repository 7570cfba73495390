// The secret formats recognised in free text, as regular expression sources that the redactor
// joins into one expression. Every rule starts at a literal, and none reads the same text over
// and over (a scan that fails and restarts at each later start inside what it read, a lookahead
// run again at each step of a loop), so redaction stays linear in the length of the text.

/** One secret format: `keep` is matched and kept (a label, a scheme), `secret` is replaced. */
export interface TextRule {
  /** The placeholder's kind, `[redacted:<kind>]`; a function chooses it from the kept text. */
  kind: string | ((kept: string) => string);
  /** Source of the text before the secret that stays (without capturing groups). */
  keep?: string;
  /** Source of the secret itself (without capturing groups); never matches the empty string. */
  secret: string;
  /**
   * True when this match is not a secret after all (an ordinary word after "Bearer"); `next`
   * is the character after the match. The skipped text is still searched for other formats.
   */
  skip?: (secret: string, kept: string, next: string) => boolean;
}

/**
 * `source` with every ASCII letter matching either case. JavaScript on Node 20 has no inline
 * `(?i:...)`, and the other rules must stay case-sensitive (AKIA keys, eyJ...).
 */
function anyCase(source: string): string {
  let out = '';
  let inClass = false;
  let escaped = false;
  for (const char of source) {
    const lower = char.toLowerCase();
    const upper = char.toUpperCase();
    const letter = lower !== upper && [...lower].length === 1 && [...upper].length === 1;
    if (escaped) {
      out += char;
      escaped = false;
    } else if (char === '\\') {
      out += char;
      escaped = true;
    } else if (char === '[' && !inClass) {
      out += char;
      inClass = true;
    } else if (char === ']' && inClass) {
      out += char;
      inClass = false;
    } else if (letter) {
      out += inClass ? lower + upper : `[${lower}${upper}]`;
    } else {
      out += char;
    }
  }
  return out;
}

/** `text` as a regular expression source that matches it literally (valid with the `u` flag). */
function escapeSource(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

const RUN = 'A-Za-z0-9_-';

/**
 * True for a lone word, which after "Bearer" or "Basic" is prose ("Bearer tokens"), not a
 * token. Base64 credentials mix cases ("dXNlcjpwYXNz"); words are lower, Capitalised or CAPS.
 */
const isOrdinaryWord = (secret: string): boolean =>
  /^(?:[A-Z]?[a-z]{1,15}|[A-Z]{1,15})$/.test(secret);

/**
 * A token that starts with a fixed prefix, outside any longer identifier or base64 run (so a
 * long run is tried once, from its start). Unless `anyBody`, the body must hold a capital or a
 * digit: real keys are random, while `hitl_request_timeout_seconds` is an identifier.
 */
function prefixed(
  kind: string,
  prefix: string,
  body: string,
  min: number,
  max: number,
  anyBody = false,
): TextRule {
  const lowerPart = body.replace('A-Z', '').replace('0-9', '');
  const random = anyBody ? '' : `(?=[${lowerPart}]{0,${max - 1}}[A-Z0-9])`;
  return { kind, secret: `${prefix}(?<![${RUN}]${prefix})${random}[${body}]{${min},${max}}` };
}

/** Name fragments that mark the value after them as a secret ("access_token", "DB_PASSWORD"). */
const SECRET_LABEL = anyCase(
  [
    'api[ _-]?key',
    // max_tokens, token_count and tokenizer are counts and settings, not credentials
    'token(?!s|[ _-]?count|i[sz]e)',
    'secret',
    'passw(?:or)?d',
    'passphrase',
    'authorization',
    'private[ _-]?key',
    'credential',
    'cookie',
    'session[ _-]?key',
    'access[ _-]?key',
  ].join('|'),
);

/** HTTP authentication schemes kept in front of a labelled value ("Authorization: Bearer ..."). */
const SCHEME = `(?:${anyCase('bearer|basic|token|bot|digest')})[ \\t]{1,5}`;

const MAX_VALUE = 8192;

/** Ends an unquoted value after "name:": YAML, headers and prose put spaces in values. */
const LINE_END = String.raw`\r\n"'\x60\\,;<(){}[\]`;
/** Ends an unquoted value after "name=": query strings and env lines separate by space or "&". */
const WORD_END = String.raw`\s"'\x60\\,;&<>(){}[\]`;

/**
 * A labelled value, in whichever quoting the label's text uses: JSON (`"…"`), JSON inside a
 * JSON string (`\"…\"`), single quotes, or bare (to the end of the line after ":", of the word
 * after "=").
 */
const LABELLED_VALUE = [
  String.raw`(?<=\\")(?:[^"\\\r\n]|\\(?!")[^\r\n]){1,${MAX_VALUE}}`,
  String.raw`(?<=(?:^|[^\\])")(?:[^"\\\r\n]|\\.){1,${MAX_VALUE}}`,
  String.raw`(?<=')[^'\r\n]{1,${MAX_VALUE}}`,
  // a scheme word with no token after it ("Authorization: Bearer <token>") is not the secret
  String.raw`(?<![\\"'])(?![=-]|${SCHEME})(?:(?<=:[ \t]{0,5})[^\s${LINE_END}](?:[^${LINE_END}]{0,${MAX_VALUE}}[^\s${LINE_END}])?|[^${WORD_END}]{1,${MAX_VALUE}})`,
].join('|');

const OPENING_QUOTE = String.raw`(?:\\?["'])?`;

/** Kind of a labelled value: a kept scheme names it, anything else is a field. */
function labelledKind(kept: string): string {
  if (/bearer[ \t]+$/i.test(kept)) return 'bearer';
  if (/basic[ \t]+$/i.test(kept)) return 'basic';
  return 'field';
}

/** A JSON or YAML number after "name:" ("max_token_length": 100) is a setting, not a secret. */
function isNumberAfterColon(secret: string, kept: string): boolean {
  return /:[ \t]*$/.test(kept) && /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/.test(secret);
}

/** Values that are literals, types, keywords or schemes in code and docs, never credentials. */
const NOT_SECRET_WORDS = new Set(
  (
    'null none nil undefined true false string number boolean bool str int any unknown object ' +
    'bytes await new this self required optional bearer basic digest dpop mac'
  ).split(' '),
);

/**
 * In code, a label's value is often a reference rather than a secret: `token = getToken()`,
 * `password = options.password`. Quoted values are always redacted.
 */
function isCodeReference(secret: string, kept: string, next: string): boolean {
  // after a quote or an authentication scheme the value is a literal
  if (/(?:["']|(?:bearer|basic|token|bot|digest)[ \t]+)$/i.test(kept)) return false;
  return next === '(' || /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/.test(secret);
}

/** Already redacted (the text went through a redactor before): leave the placeholder. */
const isPlaceholder = (secret: string): boolean => secret.startsWith('[redacted');

function isNotSecretValue(secret: string, kept: string, next: string): boolean {
  return (
    isPlaceholder(secret) ||
    NOT_SECRET_WORDS.has(secret.toLowerCase()) ||
    isNumberAfterColon(secret, kept) ||
    isCodeReference(secret, kept, next)
  );
}

/**
 * Rules for labelled values: `label: value`, `label=value`, `"label": "value"` and the
 * command-line `--label value`. `userFields` are exact names from the user's settings.
 */
function labelRules(userFields: readonly string[]): TextRule[] {
  const names = userFields.filter((f) => f.length > 0).map((f) => anyCase(escapeSource(f)));
  const user = names.length === 0 ? '' : `|(?<![${RUN}])(?:${names.join('|')})(?![${RUN}])`;
  const label = `(?:(?:${SECRET_LABEL})[${RUN}]{0,30}${user})`;
  return [
    {
      kind: 'cookie',
      keep: String.raw`${anyCase('cookie')}[ \t]{0,5}:[ \t]{0,5}`,
      secret: String.raw`[^\s"'\\][^\r\n"'\\]{0,${MAX_VALUE}}`,
    },
    {
      kind: labelledKind,
      keep: String.raw`${label}(?:\\{0,2}["'])?[ \t]{0,5}[:=][=>]?[ \t]{0,5}${OPENING_QUOTE}(?:${SCHEME})?`,
      secret: `(?:${LABELLED_VALUE})`,
      skip: isNotSecretValue,
    },
    {
      kind: 'field',
      keep: String.raw`--(?:[A-Za-z0-9]{1,20}-){0,4}(?:${SECRET_LABEL})[A-Za-z0-9-]{0,30}[ \t]{1,5}${OPENING_QUOTE}`,
      secret: `(?!-)(?:${LABELLED_VALUE})`,
      skip: isNotSecretValue,
    },
  ];
}

const PRIVATE_KEY_LINE = '[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----';

/** Every built-in rule, most specific first: at one position the first rule that matches wins. */
export function textRules(userFields: readonly string[] = []): TextRule[] {
  return [
    {
      // A block cut short (a truncated result) is redacted up to the end of the text or of the
      // JSON string it sits in, however far that is. The scan is unbounded so that it cannot
      // fail: a bounded one that found no end failed, and the search restarted at the next BEGIN
      // line inside the stretch just scanned, rescanning it once for every BEGIN line in it.
      // The closing quote, with the backslashes that escape it, is looked for only where a run
      // of backslashes starts (the earliest place it can match), not again from inside the run.
      kind: 'private-key',
      secret: String.raw`-----BEGIN${PRIVATE_KEY_LINE}[^"]*?(?:-----END${PRIVATE_KEY_LINE}|(?<!\\)(?=\\*")|$)`,
    },
    {
      // https://user:password@host keeps the user
      kind: 'password',
      keep: String.raw`:\/\/[^\s:/?#@"'<>[\]\\]{0,256}:`,
      secret: String.raw`[^\s/?#@"'<>\\]{1,256}(?=@)`,
    },
    {
      kind: 'bearer',
      keep: String.raw`\b${anyCase('bearer')}[ \t]{1,5}`,
      // a full stop after the token ends the sentence, it is not part of the token
      secret: String.raw`[A-Za-z0-9\-._~+/]{0,16383}[A-Za-z0-9\-_~+/]={0,4}`,
      skip: isOrdinaryWord,
    },
    {
      // user:password in standard base64, so its length is a multiple of four
      kind: 'basic',
      keep: String.raw`\b${anyCase('basic')}[ \t]{1,5}`,
      secret: String.raw`(?:[A-Za-z0-9+/]{4}){2,4096}(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?(?![A-Za-z0-9+/=])`,
      skip: isOrdinaryWord,
    },
    ...labelRules(userFields),
    {
      kind: 'jwt',
      secret: String.raw`eyJ(?<![${RUN}]eyJ)[${RUN}]{1,16384}\.[${RUN}]{1,16384}\.[${RUN}]{0,16384}`,
    },
    // MeatSpace keys: hitl_ and 40 URL-safe base64 characters
    prefixed('hitl-key', 'hitl_', RUN, 16, 512),
    // Airlock's own grant tokens: alk_ and 43 base64url characters
    prefixed('grant-token', 'alk_', RUN, 16, 512),
    prefixed('github', 'gh[pousr]_', 'A-Za-z0-9', 30, 255),
    prefixed('github', 'github_pat_', 'A-Za-z0-9_', 22, 255),
    prefixed('gitlab', 'gl(?:pat|dt|rt|ptt|cbt|ft|imt|oas|soat)-', RUN, 20, 255),
    prefixed('slack', 'xox[abeoprs]-', 'A-Za-z0-9-', 10, 255),
    prefixed('slack', 'xapp-', 'A-Za-z0-9-', 10, 255),
    prefixed('anthropic', 'sk-ant-', RUN, 20, 512),
    prefixed('openai', 'sk-', RUN, 20, 512),
    prefixed('stripe', '[rs]k_(?:live|test)_', 'A-Za-z0-9', 10, 255),
    prefixed('stripe', 'whsec_', 'A-Za-z0-9+/=', 20, 255),
    prefixed('google', 'AIza', RUN, 35, 35, true),
    prefixed('npm', 'npm_', 'A-Za-z0-9', 36, 255),
    prefixed('huggingface', 'hf_', 'A-Za-z0-9', 30, 255),
    prefixed('pypi', 'pypi-AgE', RUN, 50, 1024, true),
    prefixed('sendgrid', String.raw`SG\.`, String.raw`A-Za-z0-9_\-.`, 40, 128, true),
    {
      kind: 'aws-key',
      secret: String.raw`\b(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)[A-Z0-9]{16}\b`,
    },
  ];
}
