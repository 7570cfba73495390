// The core's deciding parts wired to each other and to the ports the world passes in: policies,
// the gatekeeper, approvals, temporary grants, the pause, tool pins and the call guard, each
// pushing its changes to UIs as events. runtime.ts and the tests build the core here, so the
// wiring is written once.
import type { PauseState } from '../../shared/model/pause';
import { EventBus } from './api/event-bus';
import { ApprovalQueue } from './approvals/approval-queue';
import { TemporaryGrants } from './approvals/temporary-grants';
import { CallGuard } from './calls/call-guard';
import { PauseSwitch } from './calls/pause-switch';
import type { Settings } from './config/types';
import { Gatekeeper } from './gatekeeper';
import type { HistoryStore } from './history/types';
import type { RateLimiter } from './limits/rate-limiter';
import { PolicyRegistry } from './policy';
import type { Clock, Logger, Timers } from './ports';
import type { Redactor } from './redaction/redactor';
import { ToolPins, type PinStore } from './tools/tool-pins';

export interface CorePorts {
  clock: Clock;
  timers: Timers;
  logger: Logger;
  history: HistoryStore;
  /** Counts against the policies' limits; its owner loads and prunes it from its store. */
  limiter: RateLimiter;
  redactor: Redactor;
  /** The per-install key argument hashes are made with (see CallGuardDeps). */
  argsHashKey: Uint8Array;
  /** The settings in force, read per call: they change while Airlock runs. */
  settings: () => Settings;
  /** Where the pause is kept across restarts; without it Airlock starts unpaused. */
  pauseStore?: { initial: PauseState; save(state: PauseState): void };
  /** Where accepted tool definitions are kept; without it no definition is pinned or checked. */
  pinStore?: PinStore;
}

export interface Core {
  events: EventBus;
  policies: PolicyRegistry;
  gatekeeper: Gatekeeper;
  approvals: ApprovalQueue;
  temporaryGrants: TemporaryGrants;
  pause: PauseSwitch;
  pins: ToolPins | undefined;
  calls: CallGuard;
}

export function createCore(ports: CorePorts): Core {
  const { clock, timers, logger, settings } = ports;
  const events = new EventBus(logger);
  const policies = new PolicyRegistry({ clock });
  const gatekeeper = new Gatekeeper({ policies, limiter: ports.limiter, clock });
  const approvals = new ApprovalQueue({
    clock,
    timers,
    limits: () => ({
      maxPending: settings().maxPendingApprovals,
      maxPendingPerGrant: settings().maxPendingApprovalsPerGrant,
    }),
    onAdded: (approval) => {
      logger.info(`held ${approval.server}/${approval.tool} for ${approval.grant}`, {
        approval: approval.id,
        reason: approval.reason,
      });
      events.emit('approval.added', { approval });
    },
    onResolved: (approval, outcome) => events.emit('approval.resolved', { approval, outcome }),
  });
  const temporaryGrants = new TemporaryGrants({
    clock,
    timers,
    onChange: () => events.emit('grants.changed', {}),
  });
  const pause = new PauseSwitch({
    clock,
    initial: ports.pauseStore?.initial ?? { paused: false },
    save: (state) => ports.pauseStore?.save(state),
    onChange: (state) => {
      logger.warn(state.paused ? 'Airlock paused: every call is refused' : 'Airlock resumed');
      events.emit('pause.changed', { pause: state });
    },
  });
  if (pause.paused) logger.warn('Airlock starts paused: every call is refused until it is resumed');
  const pins =
    ports.pinStore &&
    new ToolPins({
      store: ports.pinStore,
      clock,
      logger,
      onChange: (pin, state) =>
        events.emit('pin.changed', {
          server: pin.server,
          tool: pin.tool,
          state,
          hash: state === 'accepted' ? pin.accepted.hash : (pin.changed?.hash ?? pin.accepted.hash),
        }),
    });
  const calls = new CallGuard({
    gatekeeper,
    history: ports.history,
    approvals,
    temporaryGrants,
    redactor: ports.redactor,
    events,
    clock,
    logger,
    approvalTimeoutMs: () => settings().approvalTimeoutMs,
    argsHashKey: ports.argsHashKey,
    paused: () => pause.paused,
    ...(pins ? { pins } : {}),
    changedDefinitions: () => settings().changedToolDefinitions,
  });
  return { events, policies, gatekeeper, approvals, temporaryGrants, pause, pins, calls };
}
