/*
 * Who may do what through the control socket: the one table the helper judges every request by, after the
 * connection was let in (authorization.ts: root and the control group's members). It is written down for people
 * in the README's threat model too; change both together.
 *
 * Two tiers of caller:
 *   administrator  root (or the helper's own user): everything.
 *   member         a member of the `warren` group, an ordinary desktop user: may see every tunnel and switch any
 *                  of them on and off (a VPN client's everyday use), and may create, import, edit, rename, delete
 *                  and export the tunnels it owns. Nothing that runs code as root (hooks), and nothing that reads
 *                  or changes a tunnel someone else owns (its key, its text, its settings).
 *
 * A stored tunnel is owned by whoever created or imported it (the store records the uid); one stored before
 * owners were recorded is root's. A tunnel from a file (`up` with config) is never stored and has no owner.
 *
 * Scripts (PreUp/PostUp/PreDown/PostDown run as root by bash) are an administrator's decision, for a tunnel's
 * current commands: only an administrator can allow them, bring a file's tunnel up with them, or change the
 * commands of a tunnel whose scripts are allowed. Turning them off is anyone's who owns the tunnel. wireguard-
 * windows adds one machine-wide switch that enables scripts at all; here each tunnel's scripts need an
 * administrator already, so such a switch would only be a second key to the same door.
 */
import { type ControlMethod, type ControlParams } from '../../shared/ipc/control.js';
import { NOT_PERMITTED } from '../../shared/ipc/access.js';
import { parseConfig, type TunnelConfig } from '../../shared/config/index.js';
import { withStandInKey } from '../../shared/config/private-key-text.js';
import type { Caller } from './authorization.js';
import { ControlFailure } from './control-server.js';

/** A stored tunnel as the policy sees it. */
export interface Subject {
  name: string;
  /** uid of the owner. */
  owner: number;
  /** The owner's user name, for messages. */
  ownerName: string;
  allowScripts: boolean;
  config: TunnelConfig;
}

/** member: any member of the group; owner: the named stored tunnel's owner (or an administrator). */
export type Tier = 'member' | 'owner';

interface Rule<M extends ControlMethod> {
  tier: Tier;
  /** When this request needs an administrator although its method does not: why, in words for the caller. */
  needsAdmin?: (params: ControlParams[M], subject: Subject | undefined) => string | null;
  /** What the method gives the caller (for people reading the table; the handlers make it so). */
  returns: string;
}

const SCRIPTS_ARE_ROOT =
  'PreUp/PostUp/PreDown/PostDown run as root, so only an administrator may allow them ' +
  '(`sudo warren set NAME --allow-scripts on`; the app asks for the password)';

export const ACCESS: { [M in ControlMethod]: Rule<M> } = {
  version: { tier: 'member', returns: "the helper's version" },
  list: {
    tier: 'member',
    returns: "every tunnel's name, state, options and owner, and whether the caller may change it",
  },
  show: {
    tier: 'member',
    returns: 'the status of running tunnels: public keys, endpoints, transfer; never a private key',
  },
  logs: { tier: 'member', returns: "the helper's log (which never holds key material)" },
  subscribe: { tier: 'member', returns: 'the same, as events' },
  network: {
    tier: 'member',
    returns: "the network the machine is on (its kind, name, Wi-Fi SSID, connectivity) and the sign-in hole's state",
  },
  // Any member, as switching a tunnel off is: a member may already take any tunnel down, kill switch and all.
  // The hole lets through much less (DNS to the network's own resolvers and HTTP/HTTPS, out of its interface),
  // for minutes, closes by itself, and is logged with who opened it (portal-hole.ts).
  openPortalHole: { tier: 'member', returns: 'the network status, with until when the sign-in hole is open' },
  closePortalHole: { tier: 'member', returns: 'the network status' },
  up: {
    tier: 'member',
    needsAdmin: (params) =>
      params.config !== undefined && params.allowScripts === true
        ? `running a file's tunnel with its scripts: ${SCRIPTS_ARE_ROOT}`
        : null,
    returns: 'the status of the tunnel it brought up',
  },
  down: { tier: 'member', returns: 'the name' },
  suspend: { tier: 'member', returns: 'how many tunnels dropped their keys' },
  resume: { tier: 'member', returns: 'how many tunnels handshake again' },
  import: { tier: 'member', returns: "per file, its tunnel's name or its errors; the tunnels are the caller's" },
  create: { tier: 'member', returns: "the new tunnel's name and public key; the tunnel is the caller's" },
  get: { tier: 'owner', returns: "the tunnel's text; its private key only when asked for" },
  update: {
    tier: 'owner',
    needsAdmin: (params, subject) =>
      subject?.allowScripts === true && changesHooks(subject.config, params.text)
        ? `an administrator allowed the scripts of ${subject.name} as they are; changing them needs an administrator too, ` +
          'or switch its scripts off first'
        : null,
    returns: "the name and the new text's warnings",
  },
  setOptions: {
    tier: 'owner',
    needsAdmin: (params) =>
      params.options.allowScripts === true ? SCRIPTS_ARE_ROOT.replace('NAME', params.name) : null,
    returns: "the tunnel's options",
  },
  rename: { tier: 'owner', returns: 'the new name' },
  delete: { tier: 'owner', returns: 'the name' },
};

/** Whether the caller may read and change the tunnel: its owner or an administrator. */
export function mayChange(caller: Caller, subject: Pick<Subject, 'owner'>): boolean {
  return caller.admin || caller.uid === subject.owner;
}

/**
 * Throws a ControlFailure('not-permitted') unless the caller may make this request. `subject` is the stored
 * tunnel the request names (undefined when there is none: the handler then answers 'not-found').
 */
export function enforce<M extends ControlMethod>(
  caller: Caller,
  method: M,
  params: ControlParams[M],
  subject: Subject | undefined,
): void {
  if (caller.admin) return;
  const rule = ACCESS[method] as Rule<M>;
  if (rule.tier === 'owner' && subject !== undefined && !mayChange(caller, subject)) {
    throw new ControlFailure(
      NOT_PERMITTED,
      `${subject.name} belongs to ${subject.ownerName}; only ${subject.ownerName} or an administrator may ${VERBS[method] ?? method} it`,
    );
  }
  const why = rule.needsAdmin?.(params, subject) ?? null;
  if (why !== null) throw new ControlFailure(NOT_PERMITTED, why);
}

const VERBS: Partial<Record<ControlMethod, string>> = {
  get: 'read',
  update: 'edit',
  setOptions: 'change the settings of',
};

/**
 * Whether new text has other hook commands than config. The text may carry the hidden key's placeholder (the
 * handler puts the stored key back): a stand-in key lets it parse. Text that does not parse fails the update.
 */
function changesHooks(config: TunnelConfig, text: string): boolean {
  const parsed = parseConfig(withStandInKey(text));
  return parsed.ok && hooksOf(parsed.config) !== hooksOf(config);
}

function hooksOf(config: TunnelConfig): string {
  const { preUp, postUp, preDown, postDown } = config.interface;
  return JSON.stringify([preUp, postUp, preDown, postDown]);
}
