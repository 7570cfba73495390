// What the app API says about an upstream's tools: their risk under a policy, what changed in a
// definition since it was pinned, and what in a definition deserves a person's look.

export type ToolRisk = 'allowed' | 'limited' | 'needs_approval' | 'denied';

export interface RiskSummary {
  risk: ToolRisk;
  /** JSON Pointer to the rule that decides ("/tools/x", "/default", "/grants/g/tools/x"); "" without a policy. */
  rule: string;
  /** The rule's own reason when it gives one, else what the rule does, in words. */
  reason: string;
}

export interface GrantRisk extends RiskSummary {
  grant: string;
}

export interface ToolRiskReport extends RiskSummary {
  /** Grants whose overrides give this tool another risk or another rule, by grant name. */
  grants: GrantRisk[];
}

/** The parts of a definition that are pinned, in the order a diff shows them. */
export const DEFINITION_FIELDS = [
  'name',
  'title',
  'description',
  'inputSchema',
  'outputSchema',
  'annotations',
] as const;

export type DefinitionField = (typeof DEFINITION_FIELDS)[number];

export type DiffRow =
  | { kind: 'same'; text: string }
  | { kind: 'changed'; before: string; after: string }
  | { kind: 'removed'; before: string }
  | { kind: 'added'; after: string }
  /** Unchanged lines left out between changes. */
  | { kind: 'skipped'; lines: number }
  /** Rows left out because the diff is already as long as one is shown. */
  | { kind: 'cut'; rows: number };

export interface FieldDiff {
  field: DefinitionField;
  rows: DiffRow[];
}

/** How a definition differs from the one pinned, as a held call and the Servers screen show it. */
export interface DefinitionChange {
  /** The pinned definition's hash, and when it was pinned or accepted (epoch ms). */
  acceptedHash: string;
  acceptedAt: number;
  /** The new definition's hash: what tools.accept takes. */
  hash: string;
  /** Each field that differs, old on the left and new on the right. */
  fields: FieldDiff[];
}

export interface ToolFlag {
  kind: 'hidden_characters' | 'bidi_controls' | 'instructions' | 'tool_names' | 'lookalike_name';
  /**
   * "note" for what is common and mostly harmless (a description naming its own server's other
   * tools: "call list_items first"); "warning" for the rest.
   */
  level: 'warning' | 'note';
  /** Where in the definition: "description", "inputSchema/properties/path/description", "name". */
  where: string;
  /** What was found, in words; quotes from the server have their hidden characters escaped. */
  message: string;
}
