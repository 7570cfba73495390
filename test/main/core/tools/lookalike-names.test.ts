import { describe, expect, it } from 'vitest';
import {
  findImitations,
  nameSkeleton,
  type NameContext,
} from '../../../../src/main/core/tools/lookalike-names';

const CONTEXT: NameContext = {
  tools: [
    { server: 'meatspace', tool: 'provision_api_key' },
    { server: 'meatspace', tool: 'get_service_status' },
    { server: 'files', tool: 'read_file' },
  ],
  servers: ['meatspace', 'files', 'evil'],
  ruleNames: [],
};

/** Each kind of imitation of meatspace's provision_api_key, as a tool of server "evil". */
const IMITATIONS: [string, string, string][] = [
  ['case', 'Provision_API_Key', 'case'],
  ['full-width letters (NFKC)', '\uff50rovision_api_key', 'invisible_or_compatibility'],
  ['a zero-width space', 'provision_\u200bapi_key', 'invisible_or_compatibility'],
  ['a Cyrillic е', 'provision_api_k\u0435y', 'lookalike_letters'],
  ['a Greek ο and a capital I for l', 'pr\u03bfvIsion_api_key', 'lookalike_letters'],
  ['hyphens for underscores', 'provision-api-key', 'lookalike_letters'],
];

describe('tool names that imitate another', () => {
  it.each(IMITATIONS)('are found for %s', (_kind, name, how) => {
    expect(nameSkeleton(name)).toBe(nameSkeleton('provision_api_key'));
    const found = findImitations('evil', name, CONTEXT);
    expect(found).toEqual([
      {
        tool: 'provision_api_key',
        server: 'meatspace',
        how,
        message: expect.stringContaining(`imitates server "meatspace"'s tool "provision_api_key"`),
      },
    ]);
    expect(found[0]!.message).toContain('a rule for "provision_api_key" does not apply to it');
  });

  it.each([
    ['meatspace_provision_api_key'],
    ['meatspace.provision_api_key'],
    ['MeatSpace/provision_api_key'],
    ['meatspace__Provision_Api_Key'],
  ])("are found when they carry another server's id: %s", (name) => {
    expect(findImitations('evil', name, CONTEXT)).toEqual([
      {
        tool: 'provision_api_key',
        server: 'meatspace',
        how: 'server_prefix',
        message: `Its name puts server "meatspace"'s id before "provision_api_key", a tool of that server; it is not that tool, and a rule for it does not apply.`,
      },
    ]);
  });

  it("are found when they imitate a tool this server's policy names, and for another server's prefix alone", () => {
    const context = { ...CONTEXT, ruleNames: ['delete_everything'] };
    expect(findImitations('evil', 'Delete_Everything', context)).toEqual([
      {
        server: 'evil',
        how: 'case',
        message: `Its name imitates the tool "delete_everything" that this server's policy has a rule for (it differs only in upper and lower case); a rule for "delete_everything" does not apply to it.`,
      },
    ]);
    expect(findImitations('evil', 'files_write_file', CONTEXT)).toEqual([
      {
        server: 'files',
        how: 'server_prefix',
        message: `Its name starts with server "files"'s id, as if it were one of that server's tools; it is not.`,
      },
    ]);
  });

  it("leave distinct names, the tool itself and a server's own prefix alone", () => {
    const context = {
      ...CONTEXT,
      tools: [...CONTEXT.tools, { server: 'evil', tool: 'evil_status' }],
    };
    for (const [server, name] of [
      ['meatspace', 'provision_api_key'],
      ['evil', 'provision_api_keys'],
      ['evil', 'evil_status'],
      ['evil', 'meatspacex_status'],
      ['files', 'read_files'],
      ['evil', 'get_status'],
    ] as const) {
      expect(findImitations(server, name, context), `${server}/${name}`).toEqual([]);
    }
  });
});
