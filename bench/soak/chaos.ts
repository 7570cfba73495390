// What happens to Airlock around the agents' traffic: policies edited through policies.save and by
// writing the file (invalid edits too, which must leave the last good policy in force), grants
// created and revoked (through the app API and with `airlock grants revoke` from another process)
// while their calls are held, and the HTTP upstream killed and started again.
import { execFile } from 'node:child_process';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { AppApi } from '../lib/app-api';
import type { ProcessGroup } from '../lib/processes';
import { REPO_ROOT, startFixtureHttp } from '../lib/servers';
import { Agent, type AgentDeps, type Mix } from './agent';
import type { Random } from './random';
import {
  HTTP_SERVER,
  INVALID_POLICIES,
  POLICY_VARIANTS,
  STDIO_SERVER,
  policyText,
  type SoakWorld,
} from './setup';

const run = promisify(execFile);

export interface ChaosFigures {
  policySaves: number;
  policyFileWrites: number;
  invalidSavesRefused: number;
  invalidWritesKeptLastGood: number;
  grantsCreated: number;
  grantsRevoked: number;
  revokedWhileHeld: number;
  httpUpstreamKills: number;
}

/** A revocable agent's mix: plenty of held calls, so some are waiting when its grant goes. */
const TEMP_MIX: Mix = { plain: 55, held: 15, denied: 10, burst: 3 };

export class Chaos {
  readonly problems: string[] = [];
  readonly figures: ChaosFigures = {
    policySaves: 0,
    policyFileWrites: 0,
    invalidSavesRefused: 0,
    invalidWritesKeptLastGood: 0,
    grantsCreated: 0,
    grantsRevoked: 0,
    revokedWhileHeld: 0,
    httpUpstreamKills: 0,
  };
  /** Revocable agents, kept for their figures. */
  readonly tempAgents: Agent[] = [];
  private editCount = 0;

  constructor(
    private readonly world: SoakWorld,
    private readonly group: ProcessGroup,
    private readonly api: AppApi,
    private readonly agentDeps: AgentDeps,
    private readonly random: Random,
  ) {}

  /** Runs every kind of disturbance until `deadline`, each on its own rhythm. */
  async runUntil(deadline: number, pace: { editMs: number; grantMs: number; httpKillMs: number }) {
    const loop = async (everyMs: number, step: () => Promise<void>, name: string) => {
      // Spread out, so the kinds do not all strike at once.
      await sleep(this.random.between(everyMs / 4, everyMs));
      while (Date.now() < deadline) {
        try {
          await step();
        } catch (error) {
          this.problems.push(`${name}: ${(error as Error).message}`);
        }
        const left = deadline - Date.now();
        if (left <= 0) break;
        await sleep(Math.min(left, this.random.between(everyMs * 0.6, everyMs * 1.4)));
      }
    };
    await Promise.all([
      loop(pace.editMs, () => this.editPolicy(), 'policy edit'),
      loop(pace.grantMs, () => this.revocableAgent(deadline), 'revocation'),
      loop(pace.httpKillMs, () => this.killHttpUpstream(), 'http upstream'),
    ]);
  }

  private async editPolicy(): Promise<void> {
    const server = this.random.chance(0.5) ? STDIO_SERVER : HTTP_SERVER;
    const variants = POLICY_VARIANTS[server]!;
    const kind = this.random.weighted({ save: 35, write: 35, invalidWrite: 15, invalidSave: 15 });
    const before = await this.api.call('policies.get', { server });
    if (kind === 'save' || kind === 'write') {
      const text = policyText(variants[++this.editCount % variants.length]);
      if (kind === 'save') {
        await this.api.call('policies.save', { server, text });
        this.figures.policySaves++;
      } else {
        this.writePolicyFile(server, text, this.random.chance(0.5));
        this.figures.policyFileWrites++;
      }
      return;
    }
    const text = INVALID_POLICIES[this.random.between(0, INVALID_POLICIES.length - 1)]!;
    if (kind === 'invalidSave') {
      const answer = await this.api.send('policies.save', { server, text });
      if (answer.ok) this.problems.push(`policies.save took an invalid policy for ${server}`);
      else this.figures.invalidSavesRefused++;
    } else {
      this.writePolicyFile(server, text, false);
      // The watcher reads the file within a second; the policy in force must not change.
      await sleep(1500);
      const after = await this.api.call('policies.get', { server });
      if (after.errors.length === 0 || after.hash !== before.hash) {
        this.problems.push(
          `an invalid policy file for ${server} was not kept out (errors: ${after.errors.length}, hash ${before.hash} → ${after.hash})`,
        );
      } else this.figures.invalidWritesKeptLastGood++;
    }
    const now = await this.api.call('policies.get', { server });
    if (now.hash !== before.hash) {
      this.problems.push(`an invalid edit changed the policy in force for ${server}`);
    }
  }

  /** A person's editor saving in place (partial reads possible) or a tool that renames into place. */
  private writePolicyFile(server: string, text: string, atomic: boolean): void {
    const file = join(this.world.dataDir, 'policies', `${server}.json`);
    if (!atomic) return writeFileSync(file, text);
    const temporary = `${file}.soak-tmp`;
    writeFileSync(temporary, text);
    renameSync(temporary, file);
  }

  /**
   * A new grant and an agent on it, which works for a while; then, with one of its calls held,
   * the grant is revoked, alternately through the app API and by `airlock grants revoke`.
   */
  private async revocableAgent(deadline: number): Promise<void> {
    const index = ++this.figures.grantsCreated;
    const name = `temp-${index}`;
    const { token } = await this.api.call('grants.add', { name });
    const server = index % 2 === 0 ? HTTP_SERVER : STDIO_SERVER;
    const agent = new Agent(
      { name, grant: name, token, server, via: 'http', mix: TEMP_MIX },
      this.agentDeps,
    );
    this.tempAgents.push(agent);
    await agent.connect();
    const workFor = Math.min(this.random.between(6000, 12_000), Math.max(0, deadline - Date.now()));
    const working = agent.runUntil(Date.now() + workFor + 60_000);
    await sleep(workFor);
    const viaCli = index % 2 === 0;
    const { heldAtRevoke } = await agent.revokeWhileHeld(async () => {
      if (viaCli) {
        await run(process.execPath, [
          join(REPO_ROOT, 'bin/airlock.js'),
          'grants',
          'revoke',
          name,
          '--data-dir',
          this.world.dataDir,
        ]);
      } else {
        const { revoked } = await this.api.call('grants.revoke', { name });
        if (!revoked) this.problems.push(`grants.revoke ${name} revoked nothing`);
      }
      this.figures.grantsRevoked++;
    });
    if (heldAtRevoke) this.figures.revokedWhileHeld++;
    await working;
    await agent.close();
  }

  /** Kills the MeatSpace HTTP server as a crash would, and starts it again on its port. */
  private async killHttpUpstream(): Promise<void> {
    await this.world.fixtureHttp.handle.kill('SIGKILL');
    this.figures.httpUpstreamKills++;
    await sleep(this.random.between(1000, 3000));
    this.world.fixtureHttp = await startFixtureHttp(this.group, {
      port: this.world.httpPort,
      env: { MEATSPACE_TRACE_FILE: this.world.traceFile },
    });
  }
}
