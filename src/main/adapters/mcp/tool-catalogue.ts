// The tools a session's server has listed, with every definition the session met for each: what a
// tools/call is checked against (the tool must exist; its definitions go to the pins), and what
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

/**
 * Distinct definitions of one tool kept per view. A server that keeps listing new ones for the
 * same name is not remembered forever; the ones kept still hold its calls.
 */
const DEFINITIONS_PER_TOOL = 8;

/** Tool name → its distinct definitions (by hash), in the order first seen. */
type Definitions = Map<string, SeenDefinition[]>;

export class ToolCatalogue {
  /**
   * What the server listed last: Airlock's own listing, or the client's, page by page. Undefined
   * until the server has listed its tools, and after it said its list changed.
   */
  private known?: Definitions;
  /**
   * What the client was shown since it last listed from the first page. Airlock's own listing
   * never replaces it: a server that shows the client one definition and Airlock another (say,
   * the accepted one after a list_changed, or both under one name) must not get the call checked
   * against the one the agent never read.
   */
  private shown: Definitions = new Map();
  private refreshing?: Promise<void>;

  constructor(private readonly options: ToolCatalogueOptions) {}

  /**
   * Every definition of the tool this session has met: shown to the client or listed last, each
   * once. A call is checked against all of them; none for a tool not (or no longer) known.
   */
  definitions(name: string): SeenDefinition[] {
    const all = [...(this.shown.get(name) ?? [])];
    for (const seen of this.known?.get(name) ?? []) add(all, seen);
    return all;
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
   * pages before it; a first page starts both views afresh), and those the policy denies this
   * grant outright are left out.
   */
  visibleList(response: JsonRpcResponse, firstPage: boolean): JsonRpcResponse {
    const result = response.result as { tools?: unknown } | undefined;
    if (!result || !Array.isArray(result.tools)) return response;
    const listed = readToolList(result.tools);
    if (firstPage) {
      this.shown = new Map();
      this.known = undefined;
    }
    addAll(this.shown, listed);
    this.remember(listed);
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
    addAll(this.known, listed);
    this.options.pins?.observe(this.options.serverId, listed);
  }
}

function addAll(view: Definitions, listed: readonly SeenDefinition[]): void {
  for (const seen of listed) {
    const name = seen.definition.name;
    const versions = view.get(name);
    if (versions) add(versions, seen);
    else view.set(name, [seen]);
  }
}

function add(versions: SeenDefinition[], seen: SeenDefinition): void {
  if (versions.length < DEFINITIONS_PER_TOOL && !versions.some((v) => v.hash === seen.hash)) {
    versions.push(seen);
  }
}
