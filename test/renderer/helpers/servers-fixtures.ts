// Servers, tools and config.json's status as the core describes them, for the Servers and Settings
// store and screen tests.
import type { ConfigStatus, ServerInfo, ToolInfo, ToolRisk } from '../../../src/shared/contract';

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

/** config.json's status as the core reports it: in force (no problems) unless problems are given. */
export function configStatus(overrides: Partial<ConfigStatus> = {}): ConfigStatus {
  return { file: '/data/config.json', problems: [], nextStart: {}, ...overrides };
}
