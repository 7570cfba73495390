// Servers and tools as the core describes them, for the Servers store and screen tests.
import type { ServerInfo, ToolInfo, ToolRisk } from '../../../src/shared/contract';

export function serverInfo(id: string, overrides: Partial<ServerInfo> = {}): ServerInfo {
  return {
    id,
    transport: 'stdio',
    target: `node ${id}.js`,
    endpoint: `http://127.0.0.1:7820/mcp/${id}`,
    state: 'idle',
    sessions: 0,
    policy: { server: id, file: `/data/policies/${id}.json`, hash: 'h1', errors: [] },
    ...overrides,
  };
}

export function toolInfo(
  name: string,
  risk: ToolRisk,
  overrides: Partial<ToolInfo> = {},
): ToolInfo {
  return {
    name,
    params: [],
    risk: { risk, rule: `/tools/${name}`, reason: `${name} is ${risk}`, grants: [] },
    ...overrides,
  };
}
