// The `--import` module that puts the fake electron under an app run in plain Node:
//   node --import ./register-electron.mjs out/main/index.js
// It loads the fake (TypeScript, through tsx's scoped tsImport, so the app's own modules are not
// transformed), makes `import ... from 'electron'` resolve to it with a module.register hook,
// and does the same for require('electron'). DesktopApp (desktop-app.ts) starts apps this way.
import Module, { register } from 'node:module';
import { tsImport } from 'tsx/esm/api';
import { OPTIONS_KEY } from './electron-hooks.mjs';

// OPTIONS_ENV in control-protocol.ts.
const harnessOptions = JSON.parse(process.env.AIRLOCK_ELECTRON_HARNESS ?? '{}');
if (harnessOptions.platform) {
  // The app sees the platform it is tested on; Node's own modules keep the real one.
  Object.defineProperty(process, 'platform', { value: harnessOptions.platform });
}

// A packaged app finds its resources here; the harness runs no package, so reading it fails loudly.
Object.defineProperty(process, 'resourcesPath', {
  configurable: true,
  get() {
    throw new Error('not emulated: process.resourcesPath (the harness runs the app unpackaged)');
  },
});

const fake = await tsImport('./electron/index.ts', import.meta.url);
const electron = fake.default;
globalThis[Symbol.for(OPTIONS_KEY)] = { electron, appImported: fake.appImported };

register('./electron-hooks.mjs', import.meta.url, { data: { exportNames: fake.exportNames } });

// require('electron') (CommonJS, or createRequire in an ES module) gets the same object.
const load = Module._load;
Module._load = function loadWithElectron(request, ...rest) {
  if (request === 'electron') {
    fake.appImported();
    return electron;
  }
  return load.call(this, request, ...rest);
};
