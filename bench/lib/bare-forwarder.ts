// The floor: the least any HTTP proxy can do in front of an MCP server, measured in the same run
// as Airlock so its targets can be read against what this machine allows. It parses nothing,
// decides nothing and records nothing: each POST body goes upstream as it came, each answer back.
//
//   node --import tsx bench/lib/bare-forwarder.ts http URL      forwards to a Streamable HTTP server
//   node --import tsx bench/lib/bare-forwarder.ts stdio CMD ARGS  spawns a stdio server
//
// With --parse first, it parses every message both ways and forwards its own serialisation
// (JSON.parse, then JSON.stringify): the least a proxy that acts on what it parsed must add,
// reported beside the floor so Airlock's cost can be read against both.
//
// Prints "bare forwarder listening http://127.0.0.1:PORT". Enough of MCP for the bench's client:
// requests with an answer, notifications (202), and 405 for the GET stream and DELETE.
import { spawn } from 'node:child_process';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const SESSION_HEADER = 'mcp-session-id';
/**
 * A message's id as it appears in its JSON text, e.g. `7` or `"abc"`: the forwarder never parses.
 * The SDK writes `id` last, after any nested result that could hold an "id" of its own.
 */
const ID_AT_END = /"id"\s*:\s*("(?:[^"\\]|\\.)*"|-?\d+)\s*\}\s*$/;

type Forward = (body: Buffer, req: IncomingMessage, res: ServerResponse) => void;

/** The message as a parsing proxy forwards it: parsed, then serialised again. */
const reserialised = (text: string): string => JSON.stringify(JSON.parse(text));

function readBody(req: IncomingMessage, done: (body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => done(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
}

function toHttp(url: URL, parse: boolean): Forward {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  return (received, req, res) => {
    const body = parse ? Buffer.from(reserialised(received.toString('utf8'))) : received;
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'content-length': body.length,
    };
    const session = req.headers[SESSION_HEADER];
    if (typeof session === 'string') headers[SESSION_HEADER] = session;
    const upstream = http.request(
      {
        hostname: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        agent,
        headers,
      },
      (answer) => {
        const back: Record<string, string> = {
          'content-type': answer.headers['content-type'] ?? 'application/json',
        };
        const answerSession = answer.headers[SESSION_HEADER];
        if (typeof answerSession === 'string') back[SESSION_HEADER] = answerSession;
        if (!parse) {
          res.writeHead(answer.statusCode ?? 502, back);
          answer.pipe(res);
          return;
        }
        readBody(answer, (answered) => {
          const text = answered.length === 0 ? '' : reserialised(answered.toString('utf8'));
          res.writeHead(answer.statusCode ?? 502, back).end(text);
        });
      },
    );
    upstream.on('error', (error) => res.writeHead(502).end(error.message));
    upstream.end(body);
  };
}

function toStdio(command: string, args: string[], parse: boolean): Forward {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  child.on('exit', (code) => {
    console.error(`bare forwarder: the server exited (${code})`);
    process.exit(1);
  });
  const waiting = new Map<string, ServerResponse>();
  let partial = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop()!;
    for (const received of lines) {
      const line = parse ? reserialised(received) : received;
      const id = ID_AT_END.exec(line)?.[1];
      const res = id === undefined ? undefined : waiting.get(id);
      if (!res) continue; // the server's own requests and notifications: the bench sends none
      waiting.delete(id!);
      res.writeHead(200, { 'content-type': 'application/json', [SESSION_HEADER]: 'bare' });
      res.end(line);
    }
  });
  return (body, _req, res) => {
    const text = body.toString('utf8');
    const id = ID_AT_END.exec(text)?.[1];
    if (id === undefined) res.writeHead(202).end();
    else waiting.set(id, res);
    child.stdin.write(parse ? reserialised(text) : body);
    child.stdin.write('\n');
  };
}

function main(): void {
  const argv = process.argv.slice(2);
  const parse = argv[0] === '--parse';
  const [mode, ...rest] = parse ? argv.slice(1) : argv;
  const forward =
    mode === 'http' && rest[0]
      ? toHttp(new URL(rest[0]), parse)
      : mode === 'stdio' && rest[0]
        ? toStdio(rest[0], rest.slice(1), parse)
        : undefined;
  if (!forward) {
    console.error('usage: bare-forwarder.ts [--parse] http URL | stdio COMMAND [ARGS...]');
    process.exit(2);
  }
  const server = http.createServer((req, res) => {
    if (req.method !== 'POST') return void res.writeHead(405).end();
    readBody(req, (body) => forward(body, req, res));
  });
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    console.log(`bare forwarder listening http://127.0.0.1:${port}`);
  });
}

main();
