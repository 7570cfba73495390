// What Airlock remembers of each client it protects (protected-clients.json in the data folder):
// the grant it made, the servers it imported, and for each file it rewrote, where the original is
// kept and hashes of what it wrote, so Unprotect can tell whether the person changed it since. No
// token and no server secret is kept here: only hashes.
import { z } from 'zod';
import { CLIENT_IDS } from '../../../shared/mcp-clients';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);

const protectedFile = z.strictObject({
  path: z.string().min(1),
  label: z.string(),
  layout: z.enum(['mcpServers', 'claude-code-user', 'vscode-mcp', 'vscode-settings']),
  cwd: z.string().optional(),
  backup: z.string().min(1),
  /** The file's permission bits before Protect made it readable by the user alone. */
  mode: z.number().int().min(0).max(0o7777).optional(),
  /** sha256 of the original bytes, which the backup holds. */
  originalHash: sha256,
  /** sha256 of the bytes Airlock wrote. */
  writtenHash: sha256,
  entries: z.array(
    z.strictObject({
      path: z.array(z.string()).min(1),
      name: z.string(),
      /** The upstream the entry reaches through Airlock. */
      server: z.string(),
      /** sha256 of the canonical JSON of the entry Airlock wrote. */
      writtenHash: sha256,
    }),
  ),
});

const protection = z.strictObject({
  client: z.enum(CLIENT_IDS),
  grant: z.string(),
  protectedAt: z.string(),
  files: z.array(protectedFile),
  imported: z.array(z.string()),
  reused: z.array(z.string()),
  /** The policy files Protect wrote, with a hash of their text: Unprotect deletes those unchanged. */
  policies: z.array(z.strictObject({ server: z.string(), hash: sha256 })),
});

const PROTECTIONS_SCHEMA = z.strictObject({
  version: z.literal(1),
  clients: z.array(protection),
});

export type ProtectedFileRecord = z.infer<typeof protectedFile>;
export type ProtectionRecord = z.infer<typeof protection>;

/** The records in a file's text, or why they cannot be read. */
export function parseProtections(
  text: string,
): { ok: true; records: ProtectionRecord[] } | { ok: false; reason: string } {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `it is not valid JSON (${(error as Error).message})` };
  }
  const parsed = PROTECTIONS_SCHEMA.safeParse(document);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      reason: `${issue?.path.map(String).join('.') || 'the file'}: ${issue?.message ?? 'invalid'}`,
    };
  }
  return { ok: true, records: parsed.data.clients };
}

export function formatProtections(records: readonly ProtectionRecord[]): string {
  return JSON.stringify({ version: 1, clients: records }, null, 2) + '\n';
}
