import { describe, expect, it } from 'vitest';
import {
  createRedactor,
  MAX_REDACTION_DEPTH,
  REDACTED_PREFIX,
  redactionPatternProblem,
} from '../../../../src/main/core/redaction/redactor';

// Fake secrets are generated, not written out, so secret scanners have nothing to flag here.
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const BASE62 = UPPER + LOWER + DIGITS;
const B64URL = BASE62 + '-_';
const HEX = '0123456789abcdef';

let seed = 20260131;
/** `length` pseudo-random characters of `alphabet`; the sequence is the same on every run. */
function random(length: number, alphabet = BASE62): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    out += alphabet[seed % alphabet.length];
  }
  return out;
}

const jwt = `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ${random(60, B64URL)}.${random(43, B64URL)}`;
const pemBody = Array.from({ length: 5 }, () => random(64, BASE62 + '+/')).join('\n');
const pem = (label: string, newline = '\n') =>
  `-----BEGIN ${label}PRIVATE KEY-----${newline}${pemBody.replaceAll('\n', newline)}${newline}` +
  `-----END ${label}PRIVATE KEY-----`;

const r = createRedactor();
const tag = (kind: string) => `[redacted:${kind}]`;

describe('text: known secret formats', () => {
  // name, text before the secret, the secret, text after it, the placeholder's kind
  const cases: Array<[string, string, string, string, string]> = [
    ['Bearer token', 'sent Bearer ', random(32, B64URL), ' to the API', 'bearer'],
    ['Bearer token ending in "-"', 'Bearer ', `${random(42, B64URL)}-`, '. Done', 'bearer'],
    ['lower-case bearer', 'header bearer ', `${random(20)}.${random(20)}`, '', 'bearer'],
    ['Bearer JWT', 'Authorization: Bearer ', jwt, '\r\nAccept: */*', 'bearer'],
    ['curl header', 'curl -H "Authorization: Bearer ', random(40), '" https://x.test', 'bearer'],
    ['Basic credentials', 'with Basic ', 'dXNlcjpodW50ZXIy', ' header', 'basic'],
    ['Basic, letters only', 'Basic ', 'dXNlcjpwYXNz', ' is the header', 'basic'],
    ['Authorization: Basic', 'Authorization: Basic ', 'YWxpY2U6czNjcjN0IQ==', '', 'basic'],
    ['MeatSpace key', 'your key is ', `hitl_${random(40, B64URL)}`, ', keep it safe', 'hitl-key'],
    ['MeatSpace key, hex', '{"key":"', `hitl_${random(32, HEX)}`, '","ok":true}', 'hitl-key'],
    ['grant token', 'airlock connect --url x ', `alk_${random(43, B64URL)}`, '', 'grant-token'],
    ['AWS access key id', 'id=', `AKIA${random(16, UPPER + DIGITS)}`, ' in us-east-1', 'aws-key'],
    ['AWS session key id', '"', `ASIA${random(16, UPPER + DIGITS)}`, '"', 'aws-key'],
    ['GitHub classic', 'git push https://', `ghp_${random(36)}`, '@github.com/o/r', 'github'],
    ['GitHub OAuth', 'token ', `gho_${random(36)}`, '.', 'github'],
    ['GitHub user-to-server', '(', `ghu_${random(36)}`, ')', 'github'],
    ['GitHub server-to-server', ' ', `ghs_${random(36)}`, ' ', 'github'],
    ['GitHub refresh', '', `ghr_${random(36)}`, '', 'github'],
    ['GitHub fine-grained', 'use ', `github_pat_${random(22)}_${random(59)}`, ' now', 'github'],
    ['GitLab', 'PRIVATE-TOKEN ', `glpat-${random(20, B64URL)}`, ' ok', 'gitlab'],
    [
      'Slack bot',
      'slack ',
      `xoxb-${random(12, DIGITS)}-${random(13, DIGITS)}-${random(24)}`,
      '',
      'slack',
    ],
    ['Slack user', 'slack ', `xoxp-${random(12, DIGITS)}-${random(24)}`, ' ok', 'slack'],
    ['OpenAI', 'OPENAI ', `sk-${random(48)}`, ' ok', 'openai'],
    ['OpenAI project', 'key ', `sk-proj-${random(100, B64URL)}`, ' ok', 'openai'],
    ['Anthropic', 'key ', `sk-ant-api03-${random(93, B64URL)}AA`, ' ok', 'anthropic'],
    ['Stripe live', 'stripe ', `sk_live_${random(24)}`, ' ok', 'stripe'],
    ['Stripe restricted', 'stripe ', `rk_live_${random(24)}`, ' ok', 'stripe'],
    ['Stripe test', 'stripe ', `sk_test_${random(24)}`, ' ok', 'stripe'],
    ['Google API key', 'maps?key=', `AIza${random(35, B64URL)}`, '&q=x', 'google'],
    ['npm', '//registry.npmjs.org/:_authToken ', `npm_${random(36)}`, '', 'npm'],
    ['Hugging Face', 'hf ', `hf_${random(34)}`, ' ok', 'huggingface'],
    ['SendGrid', 'sg ', `SG.${random(22, B64URL)}.${random(43, B64URL)}`, ' ok', 'sendgrid'],
    ['PyPI', 'pypi ', `pypi-AgEIcHlwaS5vcmc${random(60, B64URL)}`, ' ok', 'pypi'],
    ['JWT', 'id_token ', jwt, ' expires soon', 'jwt'],
    ['JWT in a fragment', 'https://app.test/cb#state=1&x=', jwt, '', 'jwt'],
    ['PEM key', 'key:\n', pem('RSA '), '\nthanks', 'private-key'],
    ['PKCS#8 key', '', pem(''), '', 'private-key'],
    ['OpenSSH key', 'id_ed25519\n', pem('OPENSSH '), '\n', 'private-key'],
    ['PEM key in JSON', '{"pem":"', pem('EC ', '\\n'), '","id":1}', 'private-key'],
    [
      'truncated PEM key',
      'result: ',
      `-----BEGIN PRIVATE KEY-----\n${pemBody.slice(0, 90)}`,
      '',
      'private-key',
    ],
    [
      'truncated PEM in JSON',
      '{"k":"',
      `-----BEGIN PRIVATE KEY-----\\n${pemBody.slice(0, 70)}`,
      '"}',
      'private-key',
    ],
    ['URL password', 'postgres://admin:', random(16), '@db.internal:5432/app', 'password'],
    ['URL password, empty user', 'redis://:', random(12), '@cache:6379', 'password'],
    ['query access_token', 'GET /v1/items?access_token=', random(30), '&page=2', 'field'],
    ['api_key=', 'api_key=', random(20), ' region=eu', 'field'],
    ['token:', 'token: ', random(20), '\nnext: 1', 'field'],
    ['JSON password', '{"user":"bob","password":"', 'hunter2', '","port":5432}', 'field'],
    ['JSON, spaced', '{ "client_secret" : "', random(30), '" }', 'field'],
    ['JSON in JSON', '{\\"password\\":\\"', 'p@ss word', '\\"}', 'field'],
    ['single quotes', "{'secret': '", 'it"s mine', "'}", 'field'],
    ['escaped quote inside', '"password": "', 'a\\"b', '"', 'field'],
    ['YAML', 'db:\n  password: ', 'correct horse', '\n  host: x', 'field'],
    ['env file', 'export GITHUB_TOKEN=', random(20), '\n', 'field'],
    ['AWS secret, labelled', 'aws_secret_access_key = ', random(40, BASE62 + '+/'), '\n', 'field'],
    ['AWS secret, env', 'AWS_SECRET_ACCESS_KEY="', random(40, BASE62 + '+/'), '"', 'field'],
    ['camelCase', 'apiKey: ', random(24), ',', 'field'],
    ['header', 'X-Api-Key: ', random(24), '\r\n', 'field'],
    ['passphrase', 'passphrase=', 'open-sesame', '', 'field'],
    ['Ruby hash', '{ "password" => "', 'hunter2', '" }', 'field'],
    ['password is a number', 'password=', '123456', '&user=bob', 'field'],
    ['command line', 'mycli login --token ', random(20), ' --verbose', 'field'],
    ['command line, quoted', 'mycli --api-key "', 'two words', '"', 'field'],
    ['Cookie header', 'Cookie: ', `session=${random(20)}; theme=dark`, '\r\nHost: x', 'cookie'],
    ['Set-Cookie header', 'Set-Cookie: ', `sid=${random(20)}; HttpOnly`, '', 'cookie'],
  ];

  it.each(cases)('%s', (_name, before, secret, after, kind) => {
    const out = r.text(before + secret + after);
    expect(out).toBe(before + tag(kind) + after);
    expect(out).not.toContain(secret);
  });

  it.each(cases)('%s: redacting twice changes nothing more', (_name, before, secret, after) => {
    const once = r.text(before + secret + after);
    expect(r.text(once)).toBe(once);
  });

  it('redacts every secret in a longer text', () => {
    const hitl = `hitl_${random(40, B64URL)}`;
    const aws = `AKIA${random(16, UPPER + DIGITS)}`;
    const out = r.text(`first ${hitl}, then ${jwt} and ${aws}; done`);
    expect(out).toBe(`first ${tag('hitl-key')}, then ${tag('jwt')} and ${tag('aws-key')}; done`);
  });

  it('still finds known formats in a labelled value that looks like code', () => {
    const ghp = `ghp_${random(36)}`;
    expect(r.text(`token = env.${ghp};`)).toBe(`token = env.${tag('github')};`);
  });

  it('redacts a secret at the end of a 64 KB result', () => {
    const hitl = `hitl_${random(40, B64URL)}`;
    const text = `${'x'.repeat(65_000)} "${hitl}"`;
    expect(r.text(text)).toBe(`${'x'.repeat(65_000)} "${tag('hitl-key')}"`);
  });

  it('writes placeholders that start with REDACTED_PREFIX', () => {
    expect(r.text(`Bearer ${random(30)}`)).toMatch(/^Bearer \[redacted:bearer\]$/);
    expect(tag('bearer').startsWith(REDACTED_PREFIX)).toBe(true);
  });
});

describe('text: ordinary content survives', () => {
  it.each([
    'The quick brown fox jumps over the lazy dog.',
    'Send a Bearer token in the Authorization header.',
    'Basic authentication is not supported; use Bearer tokens.',
    'Authorization is required for this endpoint',
    'uuid 123e4567-e89b-12d3-a456-426614174000',
    'sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    'git commit 9fceb02d0ae598e95dc970b74767f19372d61af8',
    '{"model":"x","max_tokens":100,"token_count":5,"tokenizer":"cl100k_base"}',
    '{"usage":{"input_tokens":12,"output_tokens":40,"total_tokens":52}}',
    '{"token": null, "secret": false, "password_length": 12}',
    'Contact alice@example.com or bob.smith+tag@mail.example.org',
    'https://example.com:8443/path?page=2&sort=asc#top',
    'mailto:alice@example.com',
    'ssh://git@github.com:22/org/repo.git',
    'hitl_request_timeout_seconds and npm_config_cache are settings',
    'sk-learn, risk-assessment-for-all-the-customers, task-queue-worker-number-one',
    'AKIA is how AWS key ids start',
    'eyJ alone is not a token',
    '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----',
    '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----',
    'Tokens are counted per request. The secret to success is practice.',
    'Basic settings: none',
    '{"access_token":null,"token_type":"Bearer","expires_in":3600}',
    'const token = await getToken();\nconst password = options.password;',
    'function login(user: string, password: string): Promise<Session>',
    'interface Creds { apiKey: string; secret?: string }',
    'headers: { Authorization: `Bearer ${token}` }',
    'curl -H "Authorization: Bearer <token>" https://api.example.com',
    'We provision_api_key and ask_human; see get_service_status.',
    'C:\\Users\\alice\\Documents\\report.docx',
    '2026-01-31T12:00:00Z INFO request handled in 12 ms',
    '',
  ])('%j', (text) => {
    expect(r.text(text)).toBe(text);
  });
});

describe('value', () => {
  it('replaces values under secret-looking names, wherever they are nested', () => {
    const names = [
      'apiKey',
      'api_key',
      'API-KEY',
      'x-api-key',
      'Api Key',
      'access_token',
      'refreshToken',
      'client_secret',
      'password',
      'passwd',
      'passphrase',
      'Authorization',
      'private_key',
      'credentials',
      'Cookie',
      'set-cookie',
      'session_key',
      'AccessKeyId',
    ];
    const input = { data: [{ ...Object.fromEntries(names.map((n) => [n, `v-${n}`])) }] };
    expect(r.value(input)).toEqual({
      data: [Object.fromEntries(names.map((n) => [n, tag('field')]))],
    });
  });

  it('keeps ordinary names, and numbers, booleans and null under secret names', () => {
    const input = {
      name: 'deploy',
      keyboard: 'qwerty',
      monkey: 'george',
      author: 'alice',
      max_tokens: 100,
      token_count: 7,
      has_password: true,
      secret: null,
      password: '',
    };
    expect(r.value(input)).toEqual(input);
  });

  it('replaces every string inside an object or array under a secret name', () => {
    expect(
      r.value({
        credentials: { user: 'bob', pass: 'x', port: 5432, hosts: ['a', 1, { n: 'b' }] },
        tokens: ['t1', 't2'],
        other: 'kept',
      }),
    ).toEqual({
      credentials: {
        user: tag('field'),
        pass: tag('field'),
        port: 5432,
        hosts: [tag('field'), 1, { n: tag('field') }],
      },
      tokens: [tag('field'), tag('field')],
      other: 'kept',
    });
  });

  it('redacts known formats in every string, including keys and JSON text', () => {
    const hitl = `hitl_${random(40, B64URL)}`;
    const result = {
      content: [{ type: 'text', text: JSON.stringify({ api_key: hitl, email: 'a@b.test' }) }],
      structuredContent: { api_key_id: 3, note: `issued ${hitl}` },
      [hitl]: 'by key',
    };
    expect(r.value(result)).toEqual({
      content: [{ type: 'text', text: `{"api_key":"${tag('field')}","email":"a@b.test"}` }],
      structuredContent: { api_key_id: 3, note: `issued ${tag('hitl-key')}` },
      [tag('hitl-key')]: 'by key',
    });
  });

  it('does not change its input', () => {
    const input = {
      password: 'hunter2',
      nested: { list: [`Bearer ${random(30)}`, { token: 'abc' }] },
    };
    const before = structuredClone(input);
    const out = r.value(input);
    expect(input).toEqual(before);
    expect(out).not.toBe(input);
    expect((out as typeof input).nested).not.toBe(input.nested);
  });

  it('replaces cycles, and copies a shared value each time it appears', () => {
    const shared = { n: 1 };
    const input: Record<string, unknown> = { a: shared, b: [shared, shared] };
    input['self'] = input;
    expect(r.value(input)).toEqual({
      a: { n: 1 },
      b: [{ n: 1 }, { n: 1 }],
      self: tag('cycle'),
    });
  });

  it('replaces values nested deeper than the limit instead of recursing', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 10_000; i++) deep = { d: deep };
    let out = r.value(deep);
    for (let i = 0; i < MAX_REDACTION_DEPTH; i++) out = (out as { d: unknown }).d;
    expect(out).toBe(tag('too-deep'));
  });

  it('keeps "__proto__" as an own property', () => {
    const out = r.value(JSON.parse('{"__proto__": {"polluted": "yes"}}')) as object;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__']);
  });

  it('redacts a secret key every time it appears, and a clean key seen before the same way', () => {
    const key = `ghp_${random(36)}`;
    const once = createRedactor();
    for (let i = 0; i < 3; i++) {
      expect(once.value({ [key]: 'v', content: [{ type: 'text', password: 'p' }] })).toEqual({
        [tag('github')]: 'v',
        content: [{ type: 'text', password: tag('field') }],
      });
    }
  });

  it("keeps no key's view across redactors, so new rules apply to a key an old one found clean", () => {
    expect(createRedactor().value({ badge: '1234' })).toEqual({ badge: '1234' });
    expect(createRedactor({ fields: ['badge'] }).value({ badge: '1234' })).toEqual({
      badge: tag('field'),
    });
    expect(createRedactor({ patterns: ['^badge$'] }).value({ badge: 1 })).toEqual({
      [tag('custom')]: 1,
    });
  });

  it('answers as a fresh redactor does after more keys than it keeps (1024)', () => {
    const busy = createRedactor({ fields: ['pin'] });
    for (let i = 0; i < 3000; i++) busy.value({ [`name${i}`]: i, pin: '1234' });
    const input = { name7: `Bearer ${random(30)}`, PIN: '0000', [`hitl_${random(40)}`]: 1 };
    expect(busy.value(input)).toEqual(createRedactor({ fields: ['pin'] }).value(input));
  });

  it('passes primitives through, redacting strings', () => {
    expect(r.value(42)).toBe(42);
    expect(r.value(null)).toBe(null);
    expect(r.value(undefined)).toBe(undefined);
    expect(r.value(`Bearer ${random(30)}`)).toBe(`Bearer ${tag('bearer')}`);
  });
});

describe('user rules', () => {
  const user = createRedactor({ patterns: ['acct-[0-9]{6}', 'INTERNAL-\\w{8}'], fields: ['SSN'] });

  it('replaces every match of a user pattern', () => {
    expect(user.text('accounts acct-123456 and acct-654321; acct-12 stays')).toBe(
      `accounts ${tag('custom')} and ${tag('custom')}; acct-12 stays`,
    );
    expect(user.value({ note: 'see INTERNAL-ab12cd34' })).toEqual({ note: `see ${tag('custom')}` });
  });

  it('replaces values of user fields, by exact name in any case', () => {
    expect(user.value({ ssn: '078-05-1120', Ssn: 'x', ssn_last4: '1120' })).toEqual({
      ssn: tag('field'),
      Ssn: tag('field'),
      ssn_last4: '1120',
    });
    expect(user.text('{"ssn": "078-05-1120", "ssn_last4": "1120"}')).toBe(
      `{"ssn": "${tag('field')}", "ssn_last4": "1120"}`,
    );
  });

  it('matches user field names literally', () => {
    const dotted = createRedactor({ fields: ['acct.no', 'a+b'] });
    expect(dotted.text('acct.no=1234 acctXno=5678\na+b: x\naab: y')).toBe(
      `acct.no=${tag('field')} acctXno=5678\na+b: ${tag('field')}\naab: y`,
    );
    expect(dotted.value({ 'ACCT.NO': '1234', acctXno: '5678' })).toEqual({
      'ACCT.NO': tag('field'),
      acctXno: '5678',
    });
  });

  it('keeps the built-in formats', () => {
    expect(user.text(`k ${`AKIA${random(16, UPPER + DIGITS)}`}`)).toBe(`k ${tag('aws-key')}`);
  });

  it('refuses a pattern that is not a valid regular expression', () => {
    expect(() => createRedactor({ patterns: ['ok', '(unclosed'] })).toThrow(
      /redaction pattern 1 \("\(unclosed"\) is not a valid regular expression/,
    );
  });

  it('refuses a pattern that matches the empty string', () => {
    expect(() => createRedactor({ patterns: ['x*'] })).toThrow(/matches the empty string/);
  });
});

describe('redactionPatternProblem', () => {
  it.each(['acct-[0-9]{6}', 'secret', '[A-Z]{3}-\\d+', '(?<=key=)\\w+', '\\p{Lu}{4}'])(
    'accepts %j',
    (source) => {
      expect(redactionPatternProblem(source)).toBeUndefined();
    },
  );

  it('says why V8 refused a pattern, without repeating the pattern', () => {
    expect(redactionPatternProblem('a(b')).toBe(
      'is not a valid regular expression (Unterminated group)',
    );
  });

  it.each([
    ['(unclosed', /not a valid regular expression/],
    ['[a-', /not a valid regular expression/],
    ['a{2,1}', /not a valid regular expression/],
    ['\\_', /not a valid regular expression/],
    ['', /matches the empty string/],
    ['a*', /matches the empty string/],
    ['x?|y', /matches the empty string/],
    ['\\b', /matches the empty string/],
    ['(?=token)', /matches the empty string/],
  ])('refuses %j', (source, message) => {
    expect(redactionPatternProblem(source)).toMatch(message);
  });
});
