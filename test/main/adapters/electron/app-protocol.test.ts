import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  APP_INDEX_URL,
  isAppPage,
  rendererResponse,
} from '../../../../src/main/adapters/electron/app-protocol';
import { CONTENT_SECURITY_POLICY } from '../../../../src/main/adapters/http/static-files';

let root: string;
let renderer: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'airlock-app-protocol-'));
  renderer = join(root, 'renderer');
  mkdirSync(join(renderer, 'assets'), { recursive: true });
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Airlock</title>');
  writeFileSync(join(renderer, 'assets', 'index-abc.js'), 'console.log(1)');
  writeFileSync(join(root, 'secret.txt'), 'not for the window');
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('app://airlock/', () => {
  it('serves index.html with the CSP as a header', async () => {
    const response = await rendererResponse(renderer, APP_INDEX_URL);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await response.text()).toContain('<title>Airlock</title>');
  });

  it('serves built assets, cached for good, and the UI for its own routes', async () => {
    const asset = await rendererResponse(renderer, 'app://airlock/assets/index-abc.js');
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    const route = await rendererResponse(renderer, 'app://airlock/policies?x=1#/servers');
    expect(await route.text()).toContain('<title>Airlock</title>');
  });

  it.each([
    ['a path out of the folder', 'app://airlock/..%2fsecret.txt', 400],
    ['an encoded backslash', 'app://airlock/assets%5c..%5c..%5csecret.txt', 400],
    ['a missing asset', 'app://airlock/assets/nope.js', 404],
    ['another host', 'app://evil/index.html', 404],
  ])('refuses %s', async (_name, url, status) => {
    const response = await rendererResponse(renderer, url);
    expect(response.status).toBe(status);
    expect(await response.text()).not.toContain('not for the window');
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  });

  it('answers only GET and HEAD', async () => {
    expect((await rendererResponse(renderer, APP_INDEX_URL, 'POST')).status).toBe(405);
    const head = await rendererResponse(renderer, APP_INDEX_URL, 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('says the UI is not built when the folder is missing', async () => {
    const response = await rendererResponse(join(root, 'nothing'), APP_INDEX_URL);
    expect(response.status).toBe(404);
  });

  it.each([
    [APP_INDEX_URL, true],
    ['app://airlock/#/policies', true],
    ['app://airlock@evil/index.html', false],
    ['app://airlock.evil/index.html', false],
    ['file:///app/out/renderer/index.html', false],
    ['not a url', false],
  ])('knows %s %s as a page of the app', (url, expected) => {
    expect(isAppPage(url)).toBe(expected);
  });
});
