// The renderer's only door into the main process. It will expose one function per command of the
// app contract (src/shared/contract.ts) and an event subscription, never raw ipcRenderer; until
// that contract exists it exposes nothing.
export {};
