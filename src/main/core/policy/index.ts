// The policy feature's public surface: the file format, parsing, rule resolution and the
// registry of policies in force.
export { POLICY_JSON_SCHEMA } from './policy-schema';
export { MAX_APPROVAL_TIMEOUT_MS, parsePolicy } from './parse-policy';
export { isToolVisible, resolveRule } from './resolve-rule';
export { PolicyRegistry } from './policy-registry';
export type { PolicyListener, PolicyState } from './policy-registry';
export { ACTIONS } from './types';
export type {
  Action,
  ArgsCheck,
  ArgsValidator,
  EffectiveRule,
  GrantRules,
  Limit,
  Policy,
  PolicyVersion,
  ToolRule,
} from './types';
