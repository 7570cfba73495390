// The JSON Schema of policy files: the structural half of validation, and what the UI's editor
// uses for completion and hover. Durations and argument schemas are checked in parse-policy.ts.
import { NAME_PATTERN, NAME_RULE } from '../../../shared/model/names';

const action = {
  enum: ['allow', 'deny', 'require_approval'],
  description: '"allow", "deny", or "require_approval" (hold the call until a person answers).',
};

const duration = {
  type: ['string', 'number'],
  description:
    'A unit ("second", "minute", "hour", "day"), a number of seconds, or a duration such as "90s", "5m", "1h30m".',
};

const limit = {
  type: 'object',
  description: 'At most `max` calls within any span of `window`, counted on `counter`.',
  additionalProperties: false,
  required: ['counter', 'window', 'max'],
  properties: {
    counter: {
      type: 'string',
      minLength: 1,
      description:
        'Counter name. Limits that name the same counter share one budget, across tools.',
    },
    window: {
      ...duration,
      description: `The sliding window, up to 31 days. ${duration.description}`,
    },
    max: { type: 'integer', minimum: 1, description: 'Calls allowed within any one window.' },
    scope: {
      enum: ['grant', 'session', 'global'],
      description:
        'Count per grant (client identity, the default), per MCP session, or across everyone.',
    },
    on_exceed: {
      enum: ['deny', 'require_approval'],
      description: 'Refuse the call (the default) or ask a person once the limit is reached.',
    },
  },
};

const toolRule = {
  type: 'object',
  additionalProperties: false,
  properties: {
    action: {
      ...action,
      description: `What to do with a call. Default "allow". ${action.description}`,
    },
    reason: { type: 'string', description: 'Told to the agent when the call is refused.' },
    args: {
      type: 'object',
      description:
        "A JSON Schema (draft-07 or 2020-12, the default) the call's arguments must match.",
    },
    limits: { type: 'array', items: limit },
    approval: {
      type: 'object',
      additionalProperties: false,
      required: ['timeout'],
      properties: {
        timeout: {
          ...duration,
          description: `How long a held call waits for a person before it is refused, up to 1 day. ${duration.description}`,
        },
      },
    },
  },
};

const tools = {
  type: 'object',
  description: 'Rules by tool name.',
  additionalProperties: toolRule,
};

export const POLICY_JSON_SCHEMA: Readonly<Record<string, unknown>> = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Airlock policy',
  type: 'object',
  additionalProperties: false,
  required: ['version'],
  properties: {
    version: { const: '1', description: 'Format version; "1".' },
    default: {
      ...action,
      description: `For tools the policy does not list. Default "deny". ${action.description}`,
    },
    tools,
    grants: {
      type: 'object',
      description: 'Overrides for one grant (client identity) each.',
      propertyNames: {
        pattern: NAME_PATTERN,
        patternErrorMessage: `invalid grant name: ${NAME_RULE}`,
      },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: { default: action, tools },
      },
    },
  },
};
