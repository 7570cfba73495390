import { describe, expect, it } from 'vitest';
import { parsePolicy, type Policy } from '../../../../src/main/core/policy';
import { toolRisk } from '../../../../src/main/core/policy/tool-risk';

function policy(value: unknown): Policy {
  const result = parsePolicy(JSON.stringify(value));
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value;
}

const seed = policy({
  version: '1',
  default: 'deny',
  tools: {
    get_service_status: { action: 'allow' },
    provision_api_key: {
      reason: 'Creates credentials',
      limits: [{ counter: 'keys', window: 'minute', max: 30, scope: 'grant' }],
    },
    ask_human: { action: 'require_approval' },
    checked: { args: { type: 'object', required: ['email'] } },
    escalates: {
      limits: [
        { counter: 'e', window: 'hour', max: 5, scope: 'global', on_exceed: 'require_approval' },
      ],
    },
    forbidden: { action: 'deny', reason: 'Never from an agent' },
  },
  grants: {
    alice: { default: 'allow', tools: { forbidden: { action: 'allow' } } },
    bob: { tools: { get_service_status: { action: 'allow' } } },
    carol: { tools: { ask_human: { action: 'require_approval', reason: 'same risk, own rule' } } },
  },
});

describe('toolRisk', () => {
  it.each([
    // tool, risk, rule
    ['get_service_status', 'allowed', '/tools/get_service_status'],
    ['provision_api_key', 'limited', '/tools/provision_api_key'],
    ['checked', 'limited', '/tools/checked'],
    ['escalates', 'limited', '/tools/escalates'],
    ['ask_human', 'needs_approval', '/tools/ask_human'],
    ['forbidden', 'denied', '/tools/forbidden'],
    ['unlisted', 'denied', '/default'],
  ])('%s is %s by %s', (tool, risk, rule) => {
    expect(toolRisk(seed, tool)).toMatchObject({ risk, rule });
  });

  it("gives the rule's own reason, else says what the rule does", () => {
    expect(toolRisk(seed, 'forbidden').reason).toBe('Never from an agent');
    expect(toolRisk(seed, 'provision_api_key').reason).toBe('Creates credentials');
    expect(toolRisk(seed, 'unlisted').reason).toBe(
      'unlisted is not listed; the default refuses every call.',
    );
    expect(toolRisk(seed, 'ask_human').reason).toBe(
      'The rule holds every call until a person allows it.',
    );
    expect(toolRisk(seed, 'checked').reason).toBe(
      'The rule allows calls: arguments must match the rule.',
    );
    expect(toolRisk(seed, 'escalates').reason).toBe(
      'The rule allows calls: at most 5 per hour across all clients (then asks a person).',
    );
  });

  it('lists the grants whose overrides change the rule, and only those', () => {
    expect(toolRisk(seed, 'forbidden').grants).toEqual([
      {
        grant: 'alice',
        risk: 'allowed',
        rule: '/grants/alice/tools/forbidden',
        reason: 'The rule allows every call.',
      },
    ]);
    // alice's default applies only to tools the policy does not list.
    expect(toolRisk(seed, 'unlisted').grants).toEqual([
      expect.objectContaining({ grant: 'alice', risk: 'allowed', rule: '/grants/alice/default' }),
    ]);
    expect(toolRisk(seed, 'provision_api_key').grants).toEqual([]);
    // Same risk under another rule still counts: its reason or limits may differ.
    expect(toolRisk(seed, 'get_service_status').grants.map((g) => g.grant)).toEqual(['bob']);
    expect(toolRisk(seed, 'ask_human').grants).toEqual([
      expect.objectContaining({ grant: 'carol', risk: 'needs_approval' }),
    ]);
  });

  it('denies everything when no policy is in force', () => {
    expect(toolRisk(undefined, 'anything')).toEqual({
      risk: 'denied',
      rule: '',
      reason: 'No valid policy is in force for this server, so every call is refused.',
      grants: [],
    });
  });

  it('reads an allow-by-default policy as allowed for tools it does not list', () => {
    const open = policy({ version: '1', default: 'allow', tools: {} });
    expect(toolRisk(open, 'x')).toMatchObject({ risk: 'allowed', rule: '/default' });
  });
});
