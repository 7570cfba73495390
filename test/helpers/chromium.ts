// The browser the end-to-end tests and the UI bench drive: the system's Chromium (Debian:
// `apt-get install -y chromium`), since browser downloads do not work here, in headless mode.
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
