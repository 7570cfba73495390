// upstream-secrets.json: upstream env and header values on a machine with no usable OS keychain, in
// a file readable by the user alone. A JSON object from each key config.json refers to to its value.
// Read afresh on every use (two processes on one data folder agree) and replaced atomically.
import fs from 'node:fs';
import type { SecretStore, SecretStoreInfo } from '../../core/ports';
import { writeFileAtomic } from '../files/atomic-write';

const FILE_MODE = 0o600;

export class FileSecretStore implements SecretStore {
  readonly info: SecretStoreInfo;

  constructor(readonly file: string) {
    this.info = { kind: 'file', file };
  }

  get(key: string): string | undefined {
    const values = this.read();
    return Object.hasOwn(values, key) ? values[key] : undefined;
  }

  set(key: string, value: string): void {
    // A file that cannot be read is never replaced: every value in it would be lost.
    const values = this.read();
    if (values[key] === value) return;
    this.write({ ...values, [key]: value });
  }

  delete(key: string): void {
    const values = this.read();
    if (!Object.hasOwn(values, key)) return;
    const { [key]: _gone, ...rest } = values;
    this.write(rest);
  }

  /** Every key and value, for moving them into the OS keychain once one can be used. */
  entries(): [string, string][] {
    return Object.entries(this.read());
  }

  /**
   * Takes away the access of others to a file that has it (copied in, or restored from a backup).
   * Returns true when the mode had to change. Windows keeps no such bits: there the data folder's
   * place in the user's profile keeps others out.
   */
  restrictMode(): boolean {
    if (process.platform === 'win32') return false;
    const stat = fs.statSync(this.file, { throwIfNoEntry: false });
    if (stat === undefined || (stat.mode & 0o077) === 0) return false;
    fs.chmodSync(this.file, FILE_MODE);
    return true;
  }

  private read(): Record<string, string> {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        return Object.create(null) as Record<string, string>;
      throw new Error(`cannot read ${this.file}: ${(error as Error).message}`, { cause: error });
    }
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch (error) {
      throw new Error(`${this.file} is not valid JSON: ${(error as Error).message}`, {
        cause: error,
      });
    }
    if (typeof document !== 'object' || document === null || Array.isArray(document)) {
      throw new Error(`${this.file} must hold a JSON object`);
    }
    const values = Object.create(null) as Record<string, string>;
    for (const [key, value] of Object.entries(document)) {
      if (typeof value !== 'string') {
        throw new Error(`${this.file}: the value of ${JSON.stringify(key)} must be a string`);
      }
      values[key] = value;
    }
    return values;
  }

  private write(values: Record<string, string>): void {
    if (Object.keys(values).length === 0) {
      fs.rmSync(this.file, { force: true });
      return;
    }
    writeFileAtomic(this.file, JSON.stringify(values, null, 2) + '\n', { mode: FILE_MODE });
  }
}
