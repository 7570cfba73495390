// The tools a session's server has listed, each with its definition as last listed: what a
// tools/call is checked against (the tool must exist; its definition goes to the pins), and what
// a client's tools/list shows (without the tools the policy denies this grant outright).
import type { Gatekeeper } from '../../core/gatekeeper';
import { readToolList, type SeenDefinition } from '../../core/tools/tool-definition';
import type { ToolPins } from '../../core/tools/tool-pins';
import type { JsonRpcResponse } from './json-rpc';

export interface ToolCatalogueOptions {
  serverId: string;
  grant: string;
  gatekeeper: Pick<Gatekeeper, 'isToolVisible'>;
  /** Sees every tool listing, to pin new tools and record changed definitions. */
  pins?: Pick<ToolPins, 'observe'>;
}

/** One page of the server's tools/list result, as far as the catalogue reads it. */
export type ListPage = (params: { cursor?: string }) => Promise<unknown>;

/** A server that keeps handing out cursors is not listed forever. */
const TOOL_LIST_PAGE_LIMIT = 100;

export class ToolCatalogue {
  /** Undefined until the server has listed its tools, and after it said its list changed. */
  private known?: Map<string, SeenDefinition>;
  private refreshing?: Promise<void>;

  constructor(private readonly options: ToolCatalogueOptions) {}

  /** The tool's definition as last listed, or undefined for a tool not (or no longer) known. */
  definition(name: string): SeenDefinition | undefined {
    return this.known?.get(name);
  }

  has(name: string): boolean {
    return this.known?.has(name) ?? false;
  }

  /** The server said its list changed: the next call lists it again. */
  forget(): void {
    this.known = undefined;
  }

  /**
   * A tools/list response on its way to the client: its tools are remembered (a page adds to the
   * pages before it), and those the policy denies this grant outright are left out.
   */
  visibleList(response: JsonRpcResponse): JsonRpcResponse {
    const result = response.result as { tools?: unknown } | undefined;
    if (!result || !Array.isArray(result.tools)) return response;
    this.remember(readToolList(result.tools));
    const { serverId, grant, gatekeeper } = this.options;
    const tools = result.tools.filter(
      (tool: { name?: unknown }) =>
        typeof tool?.name === 'string' && gatekeeper.isToolVisible(serverId, grant, tool.name),
    );
    return { ...response, result: { ...result, tools } };
  }

  /** Lists every tool the server has (all pages), once even if several calls ask at the same time. */
  refresh(listPage: ListPage): Promise<void> {
    this.refreshing ??= (async () => {
      const listed: SeenDefinition[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < TOOL_LIST_PAGE_LIMIT; page++) {
        const result = (await listPage(cursor ? { cursor } : {})) as {
          tools?: unknown;
          nextCursor?: unknown;
        };
        listed.push(...readToolList(result.tools));
        if (typeof result.nextCursor !== 'string') break;
        cursor = result.nextCursor;
      }
      this.known = undefined;
      this.remember(listed);
    })().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private remember(listed: SeenDefinition[]): void {
    this.known ??= new Map();
    for (const seen of listed) this.known.set(seen.definition.name, seen);
    this.options.pins?.observe(this.options.serverId, listed);
  }
}
