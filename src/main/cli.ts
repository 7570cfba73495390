// The headless entry point: `airlock serve | grants | ui-token | policy | connect | clients |
// protect | unprotect`. Scripts rely on
// its output: `serve` prints the listening line first, `grants add` prints the token as its last
// line, `ui-token` the UI link as its last line.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Argument, Command, InvalidArgumentError } from 'commander';
import { formatProblems } from './core/json-problems';
import { parsePolicy } from './core/policy';
import { ensureDataDir, resolveDataDir } from './adapters/files/data-dir';
import { loadConfig } from './adapters/files/config-file';
import {
  createGrant,
  GrantError,
  listGrants,
  migrateGrants,
  revokeGrant,
} from './adapters/files/grants';
import { loadUiToken, regenerateUiToken } from './adapters/http/ui-token';
import { streamLogger } from './adapters/log/stream-logger';
import { startStdioBridge } from './adapters/mcp/stdio-bridge';
import { ConfigProblem, startRuntime } from './runtime';
import { AlreadyRunning, readRunningFile } from './adapters/files/running-file';
import { CLIENT_IDS, type ClientId } from '../shared/mcp-clients';
import type { ClientOnMachine, ProtectPlan } from '../shared/model/clients';
import { DEFAULT_SETTINGS } from '../shared/model/settings';
import type { ClientProtection } from './core/clients/protection';
import { offlineClientProtection } from './offline-clients';
import { ApiError } from '../shared/api-error';
import { escapeBidiControls } from '../shared/bidi-controls';

const program = new Command()
  .name('airlock')
  .description('A local guard for AI agents’ MCP tool calls.')
  .showHelpAfterError();

const dataDirOption = [
  '--data-dir <dir>',
  'data folder (default: $AIRLOCK_DATA_DIR, else the platform config folder)',
] as const;

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError('must be a whole number from 0 to 65535 (0 picks a free port).');
  }
  return port;
}

function fail(message: string): never {
  process.stderr.write(`airlock: ${message}\n`);
  process.exit(1);
}

program
  .command('serve')
  .description('run the proxy headless and print each server’s endpoint')
  .option(...dataDirOption)
  .option(
    '--port <port>',
    `port to listen on, 0 for a free one (default: settings.port, ${DEFAULT_SETTINGS.port})`,
    parsePort,
  )
  .option('--quiet', 'log only warnings and errors')
  .action(async (options: { dataDir?: string; port?: number; quiet?: boolean }) => {
    const dataDir = resolveDataDir({ flag: options.dataDir });
    const logger = streamLogger(process.stderr, { quiet: options.quiet });
    let runtime;
    try {
      runtime = await startRuntime({
        dataDir,
        port: options.port,
        logger,
        // out/main/cli.js serves the UI built next to it in out/renderer.
        rendererDir: fileURLToPath(new URL('../renderer', import.meta.url)),
      });
    } catch (error) {
      if (error instanceof ConfigProblem) fail(`config.json has problems:\n${error.message}`);
      if (error instanceof AlreadyRunning) fail(error.message);
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        fail(
          `${(error as Error).message}: another program (or another airlock serve) uses that port; pass --port N, --port 0 for a free one, or set settings.port`,
        );
      }
      fail((error as Error).message);
    }
    process.stdout.write(`Airlock listening on ${runtime.url}\n`);
    process.stdout.write(`Data folder: ${dataDir}\n`);
    process.stdout.write(
      `UI (keep this link private, it carries the UI token): ${runtime.uiUrl}\n`,
    );
    if (runtime.servers.length === 0) {
      process.stdout.write(
        `No upstream servers yet: add one on the UI's Servers screen, or under "mcpServers" in ${join(dataDir, 'config.json')}\n`,
      );
    }
    for (const server of runtime.servers) {
      process.stdout.write(`  ${server.id}: ${runtime.endpointFor(server.id)}\n`);
    }
    const stop = () => {
      runtime.close().then(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

const grants = program.command('grants').description('client identities and their tokens');

grants
  .command('add <name>')
  .description('create a grant; its token is printed once, as the last line')
  .option(...dataDirOption)
  .action((name: string, options: { dataDir?: string }) => {
    const dataDir = grantsDataDir(options);
    ensureDataDir(dataDir);
    const grant = grantCommand(() => createGrant(dataDir, name));
    process.stdout.write(
      `Created grant "${grant.name}". Its token is shown only now; keep it secret:\n`,
    );
    process.stdout.write(`${grant.token}\n`);
  });

grants
  .command('list')
  .description('list grants')
  .option(...dataDirOption)
  .action((options: { dataDir?: string }) => {
    const dataDir = grantsDataDir(options);
    const listed = grantCommand(() => listGrants(dataDir));
    for (const grant of listed) process.stdout.write(`${grant.name}\t${grant.created}\n`);
  });

grants
  .command('revoke <name>')
  .description('revoke a grant; its token stops working at once')
  .option(...dataDirOption)
  .action((name: string, options: { dataDir?: string }) => {
    const dataDir = grantsDataDir(options);
    if (!grantCommand(() => revokeGrant(dataDir, name))) fail(`no grant named "${name}"`);
    process.stdout.write(`Revoked grant "${name}".\n`);
  });

/**
 * The data folder of a grants command, its grants moved out of config.json first if an older
 * version kept them there (said on stderr, so the lines scripts read on stdout stay the same).
 */
function grantsDataDir(options: { dataDir?: string }): string {
  const dataDir = resolveDataDir({ flag: options.dataDir });
  const { moved } = grantCommand(() => migrateGrants(dataDir));
  if (moved > 0) {
    process.stderr.write(
      `airlock: moved ${moved} grant${moved === 1 ? '' : 's'} from config.json to secrets.json\n`,
    );
  }
  return dataDir;
}

/** Runs a grants operation; an expected refusal (GrantError) ends the command with its message. */
function grantCommand<T>(run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof GrantError) fail(error.message);
    throw error;
  }
}

program
  .command('ui-token')
  .description('print the link that opens the UI; its token is kept in the data folder')
  .option(...dataDirOption)
  .option(
    '--regenerate',
    'replace the token: the old link stops working at once, in a running airlock serve too',
  )
  .action((options: { dataDir?: string; regenerate?: boolean }) => {
    const dataDir = resolveDataDir({ flag: options.dataDir });
    ensureDataDir(dataDir);
    let token: string;
    try {
      token = options.regenerate ? regenerateUiToken(dataDir) : loadUiToken(dataDir);
    } catch (error) {
      fail((error as Error).message);
    }
    if (process.env.AIRLOCK_UI_TOKEN) {
      process.stderr.write(
        'airlock: AIRLOCK_UI_TOKEN is set here; an airlock serve started with it uses that token instead of this one\n',
      );
    }
    process.stdout.write(
      options.regenerate
        ? 'New UI token made; links with the old one no longer open the UI. The new link (keep it private):\n'
        : 'UI (keep this link private, it carries the UI token):\n',
    );
    process.stdout.write(`${runningUrl(dataDir)}/#token=${encodeURIComponent(token)}\n`);
  });

program
  .command('policy')
  .description('policy files')
  .command('check <file>')
  .description('validate a policy file; prints every problem with its line, column and JSON path')
  .action((file: string) => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      fail(`cannot read ${file}: ${(error as Error).message}`);
    }
    const result = parsePolicy(text);
    if (!result.ok) {
      process.stderr.write(formatProblems(file, result.errors) + '\n');
      process.stderr.write(
        `${file}: ${result.errors.length} problem${result.errors.length === 1 ? '' : 's'}\n`,
      );
      process.exit(1);
    }
    process.stdout.write(`${file}: valid\n`);
  });

program
  .command('connect <server>')
  .description('a stdio bridge to one server through a running Airlock, for stdio-only clients')
  .option('--token <token>', 'grant token (default: $AIRLOCK_TOKEN)')
  .option(
    '--url <url>',
    'Airlock’s address (default: $AIRLOCK_URL, else the running `airlock serve`)',
  )
  .option(...dataDirOption)
  .action(async (server: string, options: { token?: string; url?: string; dataDir?: string }) => {
    const token = options.token ?? process.env.AIRLOCK_TOKEN;
    if (!token)
      fail(
        'no grant token: pass --token or set AIRLOCK_TOKEN (create one with `airlock grants add NAME`).',
      );
    const base =
      options.url ??
      process.env.AIRLOCK_URL ??
      runningUrl(resolveDataDir({ flag: options.dataDir }));
    const bridge = await startStdioBridge({
      url: new URL(`/mcp/${encodeURIComponent(server)}`, base),
      token,
    });
    await bridge.closed;
    process.exit(0);
  });

const clientArgument = () =>
  new Argument('<client>', 'the client: ' + CLIENT_IDS.join(', ')).choices(CLIENT_IDS);

program
  .command('clients')
  .description('list the MCP clients on this machine, their servers, and which Airlock protects')
  .option(...dataDirOption)
  .action((options: { dataDir?: string }) => {
    const clients = clientsCommand(options, (protection) => protection.detect());
    for (const client of clients) process.stdout.write(describeClient(client));
  });

program
  .command('protect')
  .description(
    'put Airlock between a client and its servers: import them under a safe policy, create a grant, rewrite its config (after a backup beside it)',
  )
  .addArgument(clientArgument())
  .option('--server <name...>', 'only these servers (by their name in the client); default all')
  .option('--dry-run', 'print what would change, and change nothing')
  .option(...dataDirOption)
  .action(
    async (
      client: ClientId,
      options: { dataDir?: string; server?: string[]; dryRun?: boolean },
    ) => {
      const chosen = (protection: ClientProtection) => {
        if (options.server === undefined) return undefined;
        const servers = protection
          .detect()
          .find((c) => c.id === client)!
          .files.flatMap((file) => file.servers);
        return options.server
          .map((name) => {
            const found = servers.filter((s) => s.name === name);
            if (found.length === 0) fail(`${client} lists no server named "${name}"`);
            return found.map((s) => s.key);
          })
          .flat();
      };
      const plan = clientsCommand(options, (protection) =>
        protection.preview(client, chosen(protection)),
      );
      process.stdout.write(describePlan(plan));
      if (options.dryRun) {
        process.stdout.write('Nothing was changed (--dry-run).\n');
        return;
      }
      const result = await clientsCommandAsync(options, (protection) =>
        protection.protect(client, chosen(protection), plan.basis),
      );
      process.stdout.write(`\nProtected ${result.client.name} with grant ${result.grant}.\n`);
      for (const file of result.files) {
        process.stdout.write(
          `  ${printable(file.path)} rewritten; the original is in ${printable(file.backup)}\n`,
        );
      }
      for (const server of result.servers) {
        const how = server.reused ? 'reuses Airlock server' : 'imported as';
        process.stdout.write(`  ${printable(server.name)}: ${how} ${server.id}\n`);
        if (server.policy === 'kept') process.stdout.write('    its policy file was kept\n');
        else {
          process.stdout.write(`    allowed (read-only): ${list(server.allowed)}\n`);
          process.stdout.write(`    needs approval: ${list(server.needsApproval)}\n`);
        }
        // A server's own error output keeps its lines (escaped otherwise), indented under it.
        if (server.problem) process.stdout.write(`${indent(printable(server.problem, true), 4)}\n`);
      }
      for (const note of result.notes) process.stdout.write(`${printable(note)}\n`);
    },
  );

program
  .command('unprotect')
  .description(
    'put a protected client back as it was: its config restored, its grant revoked, the servers Protect imported removed',
  )
  .addArgument(clientArgument())
  .option(...dataDirOption)
  .action((client: ClientId, options: { dataDir?: string }) => {
    const result = clientsCommand(options, (protection) => protection.unprotect(client));
    process.stdout.write(`Unprotected ${result.client.name}.\n`);
    for (const file of result.restored) {
      process.stdout.write(
        `  ${printable(file.path)} ${file.how === 'bytes' ? 'restored exactly' : 'restored (the servers Airlock rewrote; other changes kept)'}\n`,
      );
    }
    process.stdout.write(`  grant ${result.grant} revoked\n`);
    if (result.removed.length > 0) {
      process.stdout.write(`  servers removed from Airlock: ${result.removed.join(', ')}\n`);
    }
    if (result.kept.length > 0) {
      process.stdout.write(
        `  servers kept (another protected client uses them): ${result.kept.join(', ')}\n`,
      );
    }
    for (const note of result.notes) process.stdout.write(`${printable(note)}\n`);
  });

/** Runs a clients operation on the data folder; a refusal ends the command with its message. */
function clientsCommand<T>(
  options: { dataDir?: string },
  run: (protection: ClientProtection) => T,
): T {
  const dataDir = resolveDataDir({ flag: options.dataDir });
  try {
    const logger = streamLogger(process.stderr, { quiet: true });
    return run(offlineClientProtection({ dataDir, logger }));
  } catch (error) {
    if (error instanceof ApiError || error instanceof GrantError) fail(error.message);
    fail((error as Error).message);
  }
}

async function clientsCommandAsync<T>(
  options: { dataDir?: string },
  run: (protection: ClientProtection) => Promise<T>,
): Promise<T> {
  const dataDir = resolveDataDir({ flag: options.dataDir });
  try {
    const logger = streamLogger(process.stderr, { quiet: true });
    return await run(offlineClientProtection({ dataDir, logger }));
  } catch (error) {
    fail((error as Error).message);
  }
}

function list(names: readonly string[]): string {
  return names.length === 0 ? '(none)' : names.map((name) => printable(name)).join(', ');
}

/**
 * Text from a client's config or a server as a terminal shows it: control characters (which could
 * move the cursor or recolour the terminal) and bidirectional controls written as escapes.
 */
function printable(text: string, keepLines = false): string {
  let out = '';
  for (const c of escapeBidiControls(text)) {
    const code = c.charCodeAt(0);
    const control = code < 0x20 || (code >= 0x7f && code <= 0x9f);
    out += control && !(keepLines && c === '\n') ? `\\u${code.toString(16).padStart(4, '0')}` : c;
  }
  return out;
}

function describeClient(client: ClientOnMachine): string {
  const lines: string[] = [];
  const state = client.protection
    ? `protected (grant ${client.protection.grant}, since ${client.protection.protectedAt})`
    : client.files.some((f) => f.exists)
      ? 'not protected'
      : 'no config found';
  const p = (text: string) => printable(text);
  lines.push(`${client.id}: ${client.name}, ${state}`);
  if (client.protection?.problem) lines.push(`  ${p(client.protection.problem)}`);
  for (const file of client.files) {
    if (!file.exists && !file.problem) continue;
    lines.push(`  ${p(file.path)} (${p(file.label)})`);
    if (file.problem) lines.push(`    ${p(file.problem)}`);
    if (file.backup) {
      lines.push(
        `    original kept in ${p(file.backup)}${file.changedSince ? '; the file changed since Airlock wrote it' : ''}`,
      );
    }
    for (const server of file.servers) {
      const where = server.scope ? ` [${server.scope}]` : '';
      const status =
        server.status === 'direct'
          ? 'direct'
          : server.status === 'protected'
            ? (server.note ?? 'through Airlock')
            : server.status === 'through-airlock'
              ? 'already through Airlock'
              : `left as it is: ${server.note ?? ''}`;
      lines.push(
        `    ${p(server.name)}${p(where)}  ${server.transport}  ${p(server.target)}  (${p(status)})`,
      );
    }
  }
  return lines.join('\n') + '\n';
}

function describePlan(plan: ProtectPlan): string {
  const p = (text: string) => printable(text);
  const lines = [`Protecting ${plan.client} creates grant ${plan.grant}.`];
  for (const server of plan.servers) {
    lines.push(
      `  ${p(server.name)}: ${server.reused ? 'reuses Airlock server' : 'imported as'} ${server.id}`,
    );
  }
  for (const file of plan.files) {
    lines.push(`${p(file.path)} (${p(file.label)}), backed up to ${p(file.backup)}:`);
    for (const change of file.changes) {
      lines.push(`  ${p(change.name)}${change.scope ? ` [${p(change.scope)}]` : ''}`);
      // JSON text: its strings are escaped already, its line breaks are its layout.
      lines.push(
        indent('before: ' + printable(change.before, true), 4),
        indent('after:  ' + printable(change.after, true), 4),
      );
    }
  }
  for (const skip of plan.skipped) lines.push(`Left as it is: ${p(skip.name)}: ${p(skip.reason)}`);
  lines.push(...plan.notes.map(p));
  return lines.join('\n') + '\n';
}

function indent(text: string, spaces: number): string {
  return text
    .split('\n')
    .map((line) => ' '.repeat(spaces) + line)
    .join('\n');
}

/** Where `airlock serve` for this data folder listens: its running file, else the configured port. */
function runningUrl(dataDir: string): string {
  const running = readRunningFile(dataDir);
  if (running) return running.url;
  // Not running from this folder, or the file is unreadable: fall back to the configured port.
  const config = loadConfig(dataDir);
  const port = config.ok ? config.value.settings.port : DEFAULT_SETTINGS.port;
  return `http://127.0.0.1:${port}`;
}

await program.parseAsync(process.argv);
