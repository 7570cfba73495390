// Airlock is transparent for everything the policy does not decide. The reference "everything"
// server, over stdio, exercises resources, prompts, completions, logging, progress, cancellation
// and server-to-client requests (sampling, elicitation, roots) through the proxy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  ResourceUpdatedNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import {
  addGrant,
  connectClient,
  EVERYTHING_SERVER_ENTRY as everythingEntry,
  makeDataDir,
  removeDataDir,
  startAirlock,
  textOf,
} from '../helpers/airlock-harness';
import type { Runtime } from '../../src/main/runtime';

let dataDir: string;
let runtime: Runtime;
let token: string;
let client: Client;
let toolListChanges = 0;

beforeAll(async () => {
  dataDir = makeDataDir(
    {
      mcpServers: {
        everything: { command: process.execPath, args: [everythingEntry, 'stdio'] },
        'everything-env': {
          command: process.execPath,
          args: [everythingEntry, 'stdio'],
          env: { AIRLOCK_TEST_MARKER: 'configured' },
        },
      },
    },
    {
      everything: {
        version: '1',
        default: 'allow',
        tools: { 'get-env': { action: 'deny', reason: 'It would expose the environment.' } },
      },
      'everything-env': { version: '1', default: 'allow' },
    },
  );
  token = addGrant(dataDir, 'agent');
  process.env.AIRLOCK_SECRET_FOR_TEST = 'must-not-reach-upstream';
  runtime = await startAirlock(dataDir);
  client = await connectClient(runtime, 'everything', token, {
    capabilities: { sampling: {}, roots: { listChanged: true }, elicitation: {} },
  });
  client.setRequestHandler(CreateMessageRequestSchema, async (request) => ({
    model: 'test-model',
    role: 'assistant',
    content: {
      type: 'text',
      text: `sampled: ${JSON.stringify(request.params.messages[0]?.content)}`,
    },
  }));
  client.setRequestHandler(ListRootsRequestSchema, async () => ({
    roots: [{ uri: 'file:///workspace/airlock-root', name: 'airlock-root' }],
  }));
  client.setRequestHandler(ElicitRequestSchema, async () => ({
    action: 'accept',
    content: { name: 'Ada', color: 'blue', email: 'ada@example.com' },
  }));
  client.setNotificationHandler(ToolListChangedNotificationSchema, async () => {
    toolListChanges++;
  });
});

afterAll(async () => {
  await client?.close();
  await runtime?.close();
  removeDataDir(dataDir);
  delete process.env.AIRLOCK_SECRET_FOR_TEST;
});

describe('through Airlock, the everything server', () => {
  it('answers initialize with its own identity, capabilities and instructions', () => {
    expect(client.getServerVersion()?.name).toBe('mcp-servers/everything');
    expect(client.getServerCapabilities()?.resources?.subscribe).toBe(true);
    expect(client.getInstructions()).toBeTruthy();
  });

  it('lists its tools minus the one the policy denies', async () => {
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    expect(names).toContain('echo');
    expect(names).toContain('trigger-sampling-request');
    expect(names).not.toContain('get-env');
  });

  it('relays the list_changed notification the server sends after initialization', async () => {
    await expect.poll(() => toolListChanges, { timeout: 5000 }).toBeGreaterThan(0);
  });

  it('serves resources, templates and subscriptions', async () => {
    const { resources } = await client.listResources();
    expect(resources.length).toBeGreaterThan(0);
    const read = await client.readResource({ uri: resources[0]!.uri });
    expect(read.contents.length).toBeGreaterThan(0);
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.length).toBeGreaterThan(0);
    await expect(client.subscribeResource({ uri: resources[0]!.uri })).resolves.toBeDefined();
    await expect(client.unsubscribeResource({ uri: resources[0]!.uri })).resolves.toBeDefined();
  });

  it('serves prompts and completions', async () => {
    const { prompts } = await client.listPrompts();
    expect(prompts.map((prompt) => prompt.name)).toContain('simple-prompt');
    const prompt = await client.getPrompt({ name: 'simple-prompt' });
    expect(prompt.messages.length).toBeGreaterThan(0);
    const completion = await client.complete({
      ref: { type: 'ref/prompt', name: 'completable-prompt' },
      argument: { name: 'department', value: 'Eng' },
    });
    expect(completion.completion.values).toEqual(['Engineering']);
  });

  it('accepts a logging level', async () => {
    await expect(client.setLoggingLevel('debug')).resolves.toBeDefined();
  });

  it('relays log messages and resource update notifications', async () => {
    const logs: unknown[] = [];
    const updates: string[] = [];
    client.setNotificationHandler(
      LoggingMessageNotificationSchema,
      async (n) => void logs.push(n.params.data),
    );
    client.setNotificationHandler(
      ResourceUpdatedNotificationSchema,
      async (n) => void updates.push(n.params.uri),
    );
    const { resources } = await client.listResources();
    await client.subscribeResource({ uri: resources[0]!.uri });
    await client.callTool({ name: 'toggle-subscriber-updates', arguments: {} });
    await client.callTool({ name: 'toggle-simulated-logging', arguments: {} });
    await expect.poll(() => updates, { timeout: 3000 }).toContain(resources[0]!.uri);
    await expect.poll(() => logs.length, { timeout: 3000 }).toBeGreaterThan(0);
    await client.callTool({ name: 'toggle-subscriber-updates', arguments: {} });
    await client.callTool({ name: 'toggle-simulated-logging', arguments: {} });
    await client.unsubscribeResource({ uri: resources[0]!.uri });
  });

  it('relays progress notifications to the caller', async () => {
    const progress: number[] = [];
    const result = await client.callTool(
      { name: 'trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 } },
      undefined,
      { onprogress: (event) => progress.push(event.progress) },
    );
    expect(textOf(result)).toMatch(/completed/);
    expect(progress).toEqual([1, 2, 3]);
  });

  it('routes the server’s sampling request back to this client and its answer back up', async () => {
    const result = await client.callTool({
      name: 'trigger-sampling-request',
      arguments: { prompt: 'hello', maxTokens: 5 },
    });
    expect(JSON.stringify(result)).toContain('sampled:');
  });

  it('routes elicitation and roots requests the same way', async () => {
    const elicited = await client.callTool({ name: 'trigger-elicitation-request', arguments: {} });
    expect(JSON.stringify(elicited)).toContain('Ada');
    const roots = await client.callTool({ name: 'get-roots-list', arguments: {} });
    expect(JSON.stringify(roots)).toContain('airlock-root');
  });

  it('passes cancellation through and keeps the session usable', async () => {
    const controller = new AbortController();
    const call = client.callTool(
      { name: 'trigger-long-running-operation', arguments: { duration: 5, steps: 5 } },
      undefined,
      { signal: controller.signal },
    );
    setTimeout(() => controller.abort('changed my mind'), 100);
    await expect(call).rejects.toThrow();
    const echo = await client.callTool({ name: 'echo', arguments: { message: 'still here' } });
    expect(textOf(echo)).toContain('still here');
  });

  it('passes a method it does not know through to the server and relays the server’s answer', async () => {
    await expect(
      client.request(
        { method: 'airlock/not-a-real-method', params: {} },
        ToolListChangedNotificationSchema.passthrough(),
      ),
    ).rejects.toMatchObject({
      code: -32601,
    });
  });

  it('refuses the denied tool with the policy’s reason', async () => {
    const result = await client.callTool({ name: 'get-env', arguments: {} });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('It would expose the environment.');
  });
});

describe('a stdio upstream’s environment', () => {
  it('holds the configured variables but none of Airlock’s own', async () => {
    const other = await connectClient(runtime, 'everything-env', token);
    const env = textOf(await other.callTool({ name: 'get-env', arguments: {} }));
    expect(env).toContain('AIRLOCK_TEST_MARKER');
    expect(env).not.toContain('must-not-reach-upstream');
    await other.close();
  });
});
