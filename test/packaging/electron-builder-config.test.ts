// electron-builder.yml, read and validated by electron-builder's own loader and schema (packaging
// cannot run here: it downloads Electron), then checked for what an installed app relies on:
// its targets, hardened fuses and icons, which files go into the asar (through electron-builder's
// own file matchers), and that SQLite's Electron build lands outside the asar where the app
// looks for it.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { readPng } from '../helpers/png';
import {
  chooseSqliteBinding,
  electronBuildDirName,
} from '../../src/main/adapters/sqlite/native-binding';

const require = createRequire(import.meta.url);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/* eslint-disable @typescript-eslint/no-explicit-any -- electron-builder's internals, untyped here */
const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config');
const {
  getMainFileMatchers,
  getNodeModuleFileMatcher,
  getFileMatchers,
  FileMatcher,
} = require('app-builder-lib/out/fileMatcher');
const { expandMacro } = require('app-builder-lib/out/util/macroExpander');
const { DebugLogger } = require('builder-util');

let config: any;
beforeAll(async () => {
  config = await getConfig(ROOT, null, null);
});

const appInfo = { productName: 'Airlock', sanitizedProductName: 'Airlock', version: '0.1.0' };
const expander = (arch: string) => (pattern: string) => expandMacro(pattern, arch, appInfo);
const fileStat = { isDirectory: () => false, isFile: () => true };
const APP_DIR = '/package/resources/app';

/** Whether electron-builder puts `file` (relative to the project) in the app's asar. */
function packsAppFile(file: string): boolean {
  const packager = {
    info: {
      projectDir: ROOT,
      buildResourcesDir: config.directories.buildResources,
      isPrepackedAppAsar: false,
      config,
      debugLogger: new DebugLogger(false),
    },
  };
  const [matcher] = getMainFileMatchers(
    ROOT,
    APP_DIR,
    expander('x64'),
    config.linux,
    packager,
    path.join(ROOT, config.directories.output),
    false,
  );
  return matcher.createFilter()(path.join(ROOT, file), fileStat);
}

/** Whether electron-builder copies `file` of the installed package `name` into the app. */
function packsModuleFile(name: string, file: string): boolean {
  const packager = { config, debugLogger: new DebugLogger(false) };
  const modules = getNodeModuleFileMatcher(ROOT, APP_DIR, expander('x64'), config.linux, packager);
  const source = path.join(ROOT, 'node_modules', name);
  const matcher = new FileMatcher(source, APP_DIR, modules.macroExpander, modules.patterns);
  const moduleFullFilePath = path.posix.join('node_modules', name, file);
  return matcher.createFilter()(path.join(source, file), { ...fileStat, moduleFullFilePath });
}

describe('electron-builder.yml', () => {
  it("passes electron-builder's schema", async () => {
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('names the app and builds AppImage and deb, dmg, and an NSIS installer', () => {
    expect(config.productName).toBe('Airlock');
    expect(config.appId).toMatch(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/);
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.linux.category).toBe('Development');
    expect(config.mac.target).toBe('dmg');
    expect(config.mac.category).toBe('public.app-category.developer-tools');
    expect(config.win.target).toBe('nsis');
  });

  it('sets the fuses for a hardened build', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
      enableCookieEncryption: true,
      grantFileProtocolExtraPrivileges: false,
    });
    expect(config.asar).not.toBe(false);
  });

  it('gives each platform an icon electron-builder can convert (a PNG of at least 512 px)', () => {
    for (const platform of ['linux', 'mac', 'win']) {
      const icon = path.join(ROOT, config[platform].icon);
      const png = readPng(fs.readFileSync(icon));
      expect(Math.min(png.width, png.height), `${platform}: ${icon}`).toBeGreaterThanOrEqual(512);
    }
  });

  it('packs the built app, its icons and tray images, and no sources or tests', () => {
    for (const file of [
      'package.json',
      'out/main/index.js',
      'out/preload/index.cjs',
      'out/renderer/index.html',
      'resources/icon.png',
      'resources/tray/guarding.png',
      'resources/tray/waiting@2x.png',
      'resources/tray/pausedTemplate.png',
      'resources/tray/guardingTemplate@2x.png',
    ]) {
      expect(packsAppFile(file), file).toBe(true);
    }
    for (const file of [
      'src/main/index.ts',
      'src/renderer/index.html',
      'test/main/index.test.ts',
      'scripts/start.ts',
      'bench/proxy-latency.ts',
      'electron-builder.yml',
      'resources/icon.svg',
      `native/${electronBuildDirName(process.platform, 'x64')}/better_sqlite3.node`,
    ]) {
      expect(packsAppFile(file), file).toBe(false);
    }
  });

  it("leaves out better-sqlite3's Node build and sources, keeping its JavaScript", () => {
    expect(packsModuleFile('better-sqlite3', 'lib/index.js')).toBe(true);
    expect(packsModuleFile('better-sqlite3', 'package.json')).toBe(true);
    expect(packsModuleFile('better-sqlite3', 'build/Release/better_sqlite3.node')).toBe(false);
    expect(packsModuleFile('better-sqlite3', 'deps/sqlite3/sqlite3.c')).toBe(false);
    expect(packsModuleFile('better-sqlite3', 'src/better_sqlite3.cpp')).toBe(false);
  });

  it("unpacks the keychain library's native module from the asar, where it could not load", () => {
    expect(config.asarUnpack).toContain('**/node_modules/@napi-rs/keyring*/**');
  });

  it('never rebuilds node_modules for Electron, which would break Node and the tests', () => {
    expect(config.npmRebuild).toBe(false);
  });

  it('ships the Electron build of SQLite outside the asar, where the packaged app loads it', () => {
    const resources = '/package/resources';
    for (const arch of ['x64', 'arm64']) {
      const matchers = getFileMatchers(config, 'extraResources', resources, {
        macroExpander: expander(arch),
        customBuildOptions: config.linux,
        globalOutDir: path.join(ROOT, config.directories.output),
        defaultSrc: ROOT,
      });
      const native = matchers.find((m: any) => m.from.includes(`${path.sep}native${path.sep}`));
      // From the folder scripts/electron-native.ts fills for this platform and arch ...
      expect(native.from).toBe(
        path.join(ROOT, 'native', electronBuildDirName(process.platform, arch)),
      );
      const filter = native.createFilter();
      for (const file of ['better_sqlite3.node', 'build-info.json']) {
        expect(filter(path.join(native.from, file), fileStat), file).toBe(true);
      }
      // ... to the path the packaged app opens SQLite with.
      const binding = chooseSqliteBinding(
        { electron: '45.5.0', modules: '150', platform: process.platform, arch },
        { isPackaged: true, appPath: `${resources}/app.asar`, resourcesPath: resources },
      );
      expect(binding).toMatchObject({
        path: path.join(native.to, 'better_sqlite3.node'),
      });
    }
  });

  it('npm run package builds the app and the Electron build of SQLite before packaging', () => {
    const scripts = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts;
    const steps = (scripts.package as string).split(' && ');
    expect(steps).toEqual([
      'npm run build',
      'node --import tsx scripts/electron-native.ts',
      expect.stringMatching(/^electron-builder\b/),
    ]);
  });
});
