/*
 * The tunnel list and its switches. A switch shows what was asked of it until the helper's state catches up:
 * from the click until setTunnel answers it is `pending` with the wanted position; a refusal is kept per tunnel
 * and shown beside it until the next toggle. Anyone may switch any tunnel; who may change one rides along
 * (canChange) for the detail view.
 */
import type { WarrenApi } from '../../../../shared/bridge/schema.js';
import type { TunnelPhase, TunnelView } from '../../../../shared/bridge/types.js';
import { messageOf, type Session } from '../../lib/session.svelte.js';
import { strings } from '../../lib/strings.js';

export interface TunnelRow {
  name: string;
  phase: TunnelPhase;
  /** Words for the phase. */
  status: string;
  /** Where the switch stands: what was asked while pending, else whether the tunnel is (going) up. */
  on: boolean;
  pending: boolean;
  /** The helper's error for the tunnel, or why the last toggle failed. */
  error?: string;
  stored: boolean;
  /** A stored tunnel's owner ('root' for an administrator's). */
  owner?: string;
  /** Whether this user may edit, rename, delete, export it and change its settings (ownership.ts says why not). */
  canChange: boolean;
  /** Who is in charge when on-demand is: its words for why, or that a switch by hand overrides it. */
  onDemand?: string;
}

const STATUS: Record<TunnelPhase, string> = strings.tunnels.phase;

export function isUp(phase: TunnelPhase): boolean {
  return phase === 'on' || phase === 'connecting' || phase === 'reconnecting';
}

export class Tunnels {
  selectedName = $state<string | null>(null);
  #wanted = $state<Record<string, boolean>>({});
  #failed = $state<Record<string, string>>({});

  readonly #session: Session;
  readonly #api: Pick<WarrenApi, 'setTunnel'>;

  constructor(session: Session, api: Pick<WarrenApi, 'setTunnel'>) {
    this.#session = session;
    this.#api = api;
  }

  rows: TunnelRow[] = $derived.by(() => this.#session.state.tunnels.map((t) => this.#row(t)));

  /** The selected tunnel, or the first when none is (or the selected one is gone). */
  selected: TunnelRow | null = $derived.by(
    () => this.rows.find((r) => r.name === this.selectedName) ?? this.rows[0] ?? null,
  );

  /** Switches work only while the helper is connected. */
  get canToggle(): boolean {
    return this.#session.connected;
  }

  select(name: string): void {
    this.selectedName = name;
  }

  async toggle(name: string, on: boolean): Promise<void> {
    if (name in this.#wanted) return;
    this.#wanted[name] = on;
    delete this.#failed[name];
    try {
      await this.#api.setTunnel(name, on);
    } catch (error) {
      this.#failed[name] = strings.tunnels.toggleFailed(on, messageOf(error));
    } finally {
      delete this.#wanted[name];
    }
  }

  #row(t: TunnelView): TunnelRow {
    const pending = t.name in this.#wanted;
    const error = this.#failed[t.name] ?? t.error;
    return {
      name: t.name,
      phase: t.phase,
      status: STATUS[t.phase],
      on: pending ? this.#wanted[t.name]! : isUp(t.phase),
      pending,
      stored: t.stored,
      ...(error ? { error } : {}),
      ...(t.owner === undefined ? {} : { owner: t.owner }),
      canChange: t.canChange,
      ...(t.onDemand
        ? {
            onDemand: t.onDemand.overridden
              ? strings.tunnels.onDemandOverridden
              : strings.tunnels.onDemandInCharge(t.onDemand.reason),
          }
        : {}),
    };
  }
}
