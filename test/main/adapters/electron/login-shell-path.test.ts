// The desktop app's PATH from the user's login shell: SHELL points at a fake shell (a script that
// prints an environment as a login shell would), read through the real shell-env. A shell that
// fails, hangs or answers late leaves PATH alone; a server found only on the shell's PATH starts.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shellEnv } from 'shell-env';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adoptLoginShellPath } from '../../../../src/main/adapters/electron/login-shell-path';
import { StdioChannel } from '../../../../src/main/adapters/mcp/upstream/stdio-channel';
import type { JsonRpcMessage } from '../../../../src/main/adapters/mcp/json-rpc';
import { FakeClock } from '../../core/fakes';
import { recordingLogger } from '../../../helpers/recording-logger';

const DELIMITER = '_SHELL_ENV_DELIMITER_';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'airlock-shell-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A shell script at dir/name whose body runs for `-ilc <command>`, as shell-env calls it. */
function fakeShell(name: string, body: string): string {
  const file = join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

/** A shell whose rc files put `path` on PATH. */
function shellWithPath(path: string): string {
  return fakeShell(
    'login-shell',
    `printf '%s' '${DELIMITER}'\nprintf 'HOME=/home/someone\\nPATH=%s\\nLANG=C\\n' '${path}'\nprintf '%s' '${DELIMITER}'`,
  );
}

describe.skipIf(process.platform === 'win32')('adoptLoginShellPath', () => {
  it('puts the login shell’s PATH first and keeps the launcher’s folders after it', async () => {
    const env = { SHELL: shellWithPath('/opt/node/bin:/usr/bin'), PATH: '/usr/bin:/bin' };
    const logger = recordingLogger();
    const result = await adoptLoginShellPath({ env, logger });
    expect(result).toEqual({ changed: true, added: 1 });
    expect(env.PATH).toBe('/opt/node/bin:/usr/bin:/bin');
    expect(logger.lines.map((l) => l.message)).toEqual([
      'PATH taken from the login shell: 1 folder added',
    ]);
  });

  it('leaves PATH alone when the shell fails, and says why', async () => {
    const env = {
      SHELL: fakeShell('broken-shell', 'echo "syntax error in .zshrc" >&2\nexit 3'),
      PATH: '/usr/bin:/bin',
    };
    const logger = recordingLogger();
    const result = await adoptLoginShellPath({ env, logger });
    expect(result.changed).toBe(false);
    expect(env.PATH).toBe('/usr/bin:/bin');
    expect(logger.lines[0]).toMatchObject({ level: 'warn' });
    expect(logger.lines[0]!.message).toMatch(
      /^PATH not taken from the login shell: .*broken-shell failed/,
    );
  });

  it('leaves PATH alone when the shell prints no PATH', async () => {
    const env = {
      SHELL: fakeShell('pathless-shell', `printf '%s' '${DELIMITER}HOME=/x\n${DELIMITER}'`),
      PATH: '/usr/bin',
    };
    expect(await adoptLoginShellPath({ env })).toEqual({
      changed: false,
      reason: `${env.SHELL} printed no PATH`,
    });
    expect(env.PATH).toBe('/usr/bin');
  });

  it('gives up on a shell that hangs, so the app starts, and ignores its late answer', async () => {
    const release = join(dir, 'release');
    const shell = fakeShell(
      'hanging-shell',
      // A broken rc waiting for something: here, for the test to let it go.
      `while [ ! -e '${release}' ]; do sleep 0.02; done\nprintf '%s' '${DELIMITER}PATH=/late/bin\n${DELIMITER}'`,
    );
    const env = { SHELL: shell, PATH: '/usr/bin:/bin' };
    const clock = new FakeClock();
    let late: Promise<unknown> | undefined;
    const adopted = adoptLoginShellPath({
      env,
      timers: clock,
      timeoutMs: 5_000,
      readShellEnv: (s) => (late = shellEnv(s)),
    });
    await Promise.resolve();
    await Promise.resolve();
    expect(late).toBeDefined();
    clock.advance(5_000);
    expect(await adopted).toEqual({
      changed: false,
      reason: `${shell} did not answer within 5 s`,
    });
    writeFileSync(release, '');
    await late;
    expect(env.PATH).toBe('/usr/bin:/bin');
  });

  it('asks no shell on Windows', async () => {
    const env = { SHELL: '/nonexistent/shell', PATH: 'C:\\Windows' };
    let asked = false;
    const result = await adoptLoginShellPath({
      env,
      platform: 'win32',
      readShellEnv: async () => {
        asked = true;
        return {};
      },
    });
    expect(result.changed).toBe(false);
    expect(asked).toBe(false);
    expect(env.PATH).toBe('C:\\Windows');
  });

  it('lets a stdio server found only on the shell’s PATH start (as npx would from a launcher)', async () => {
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    const server = join(bin, 'only-on-shell-path');
    writeFileSync(
      server,
      `#!/bin/sh\nprintf '%s\\n' '{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"started"}}'\nexec cat >/dev/null\n`,
    );
    chmodSync(server, 0o755);
    const launcherPath = process.env.PATH;
    const launcherShell = process.env.SHELL;
    process.env.SHELL = shellWithPath(`${bin}:/usr/bin:/bin`);
    process.env.PATH = '/usr/bin:/bin';
    let channel: StdioChannel | undefined;
    try {
      await adoptLoginShellPath();
      const heard = await new Promise<JsonRpcMessage | string>((resolve) => {
        channel = new StdioChannel(
          {
            server: {
              id: 'shell-path',
              transport: 'stdio',
              command: 'only-on-shell-path',
              args: [],
              env: {},
            },
            logger: recordingLogger(),
          },
          { message: resolve, refused: () => {}, lost: resolve },
        );
      });
      expect(heard).toMatchObject({ params: { data: 'started' } });
    } finally {
      await channel?.close();
      process.env.PATH = launcherPath;
      if (launcherShell === undefined) delete process.env.SHELL;
      else process.env.SHELL = launcherShell;
    }
  });
});
