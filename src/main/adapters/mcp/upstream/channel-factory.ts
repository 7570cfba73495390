// Picks the channel for each configured upstream server. HTTP-based servers share one keep-alive
// agent per server, so every session reuses the same few connections.
import type http from 'node:http';
import type { ServerConfig } from '../../../core/config/types';
import type { Logger } from '../../../core/ports';
import type { ChannelFactory } from './channel';
import { createUpstreamAgent, HttpChannel } from './http-channel';
import { SseChannel } from './sse-channel';
import { StdioChannel } from './stdio-channel';

export class UpstreamChannels {
  private readonly agents = new Map<string, http.Agent>();

  constructor(
    private readonly servers: () => ReadonlyMap<string, ServerConfig>,
    private readonly logger: Logger,
    /** Time a stdio server gets to answer a ping after one of its requests timed out. */
    private readonly pingTimeoutMs = 5000,
    /** settings.maxMessageBytes: one upstream message larger than this fails its request. */
    private readonly maxMessageBytes?: number,
  ) {}

  factoryFor(serverId: string): ChannelFactory | undefined {
    const server = this.servers().get(serverId);
    if (!server) return undefined;
    switch (server.transport) {
      case 'stdio':
        return (listener) =>
          new StdioChannel(
            {
              server,
              logger: this.logger,
              pingTimeoutMs: this.pingTimeoutMs,
              maxMessageBytes: this.maxMessageBytes,
            },
            listener,
          );
      case 'http':
        return (listener) =>
          new HttpChannel(
            {
              server,
              logger: this.logger,
              agent: this.agentFor(server.id, server.url),
              maxMessageBytes: this.maxMessageBytes,
            },
            listener,
          );
      case 'sse':
        return (listener) =>
          new SseChannel(
            {
              server,
              logger: this.logger,
              agent: this.agentFor(server.id, server.url),
              maxMessageBytes: this.maxMessageBytes,
            },
            listener,
          );
    }
  }

  /** Drops what is kept for one server (its connection pool), after its entry changed or went. */
  forget(serverId: string): void {
    this.agents.get(serverId)?.destroy();
    this.agents.delete(serverId);
  }

  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }

  private agentFor(id: string, url: string): http.Agent {
    let agent = this.agents.get(id);
    if (!agent) {
      agent = createUpstreamAgent(url);
      this.agents.set(id, agent);
    }
    return agent;
  }
}
