/*
 * The window's calls on one stored tunnel (open in the editor, save, create, settings, rename, delete, export,
 * details, logs), translated between the bridge's types (shared/bridge/types.ts) and the helper's control
 * protocol, which never reaches the renderer. The private key stays in the helper: the editor gets the text
 * with `PrivateKey = (hidden)` and saving the placeholder keeps the key; only an export writes it, straight
 * from the helper's answer into the file the user chose. Who may do what is the helper's to decide
 * (native-helper/daemon/access-policy.ts): its list says whether this user may read a tunnel (canChange), and
 * nothing here asks for what the list says it would refuse. Allowing scripts needs an administrator
 * (allow-scripts.ts).
 */
import type { EditableTunnel, LogLine, SaveOutcome, TunnelDetails, TunnelSettings } from '../shared/bridge/types.js';
import { formatEndpoint, parseConfig, withStandInKey } from '../shared/config/index.js';
import { ControlCallError } from '../shared/ipc/control-client.js';
import { type TunnelOptions, type TunnelStatus, onDemandOff } from '../shared/ipc/control.js';
import type { HelperCalls } from './helper-connection.js';
import { type Administrator, allowScriptsAsAdministrator, systemAdministrator } from './allow-scripts.js';
import { strings } from './strings.js';

export function settingsOf(options: TunnelOptions): TunnelSettings {
  return {
    startWithSystem: options.autostart,
    blockUntunneled: options.blockUntunneled,
    allowBridges: options.allowBridges,
    allowScripts: options.allowScripts,
    excludePrivateIps: options.excludePrivateIps,
    // A helper always sends the rules; none is the same as off.
    onDemand: { ...(options.onDemand ?? onDemandOff()), ssids: [...(options.onDemand?.ssids ?? [])] },
  };
}

/** The rules go whole (the window sends them whole): setOptions replaces a tunnel's rules with what it is given. */
export function optionsOf(settings: Partial<TunnelSettings>): Partial<TunnelOptions> {
  const { startWithSystem, ...rest } = settings;
  return startWithSystem === undefined ? rest : { ...rest, autostart: startWithSystem };
}

export async function getTunnel(helper: HelperCalls, name: string): Promise<EditableTunnel> {
  const stored = await helper.call('get', { name });
  return { name: stored.name, text: stored.text, publicKey: stored.publicKey, settings: settingsOf(stored.options) };
}

/** A refusal for its config becomes the editor's FILE:LINE errors; anything else is thrown on. */
async function saved(name: string, save: () => Promise<string[]>): Promise<SaveOutcome> {
  try {
    return { ok: true, name, warnings: await save() };
  } catch (error) {
    if (error instanceof ControlCallError && error.code === 'config')
      return { ok: false, errors: error.details.length > 0 ? error.details : [error.message] };
    throw error;
  }
}

/** A new stored tunnel: the helper makes the key unless the text brings one (then it is an import of that text). */
export async function createTunnel(helper: HelperCalls, name: string, text: string): Promise<SaveOutcome> {
  const hasKey = /^\s*privatekey\s*=/im.test(text);
  if (!hasKey) {
    return saved(name, async () => {
      await helper.call('create', { name, text });
      return [];
    });
  }
  const [result] = await helper.call('import', { files: [{ filename: `${name}.conf`, text, name }] });
  // The helper answers each file it was given; an empty answer is its fault, not the user's text.
  if (!result) throw new Error(strings.tunnels.noImportResult(name));
  return result.ok
    ? { ok: true, name: result.name ?? name, warnings: result.warnings }
    : { ok: false, errors: result.errors };
}

export function updateTunnel(helper: HelperCalls, name: string, text: string): Promise<SaveOutcome> {
  return saved(name, async () => (await helper.call('update', { name, text })).warnings);
}

/** A stored tunnel's settings as the helper's list has them: anyone in the group may see them, owner or not. */
export async function tunnelSettings(helper: HelperCalls, name: string): Promise<TunnelSettings> {
  const listed = (await helper.call('list', {})).find((t) => t.name === name && t.origin === 'store');
  if (!listed) throw new Error(strings.tunnels.noSuchStored(name));
  return settingsOf(listed.options);
}

/**
 * Changes some settings and answers all of them. Turning scripts on is an administrator's: unless this app runs
 * as root it goes through pkexec (allow-scripts.ts), after the other changes (the owner's), and the settings are
 * then read back. Turning them off is the owner's, as every other setting is.
 */
export async function setTunnelSettings(
  helper: HelperCalls,
  name: string,
  changes: Partial<TunnelSettings>,
  admin: Administrator = systemAdministrator(),
): Promise<TunnelSettings> {
  const { allowScripts, ...rest } = changes;
  if (allowScripts !== true || admin.isRoot)
    return settingsOf(await helper.call('setOptions', { name, options: optionsOf(changes) }));
  if (Object.keys(rest).length > 0) await helper.call('setOptions', { name, options: optionsOf(rest) });
  await allowScriptsAsAdministrator(name, admin);
  return tunnelSettings(helper, name);
}

/**
 * The interface as its config says (addresses, DNS, port, MTU) and the peers as the running tunnel reports them.
 * Only a tunnel this user may read has its config read: for another owner's, what shows is what the running
 * tunnel reports (its public key, port and peers), and the rest stays unknown.
 */
export async function tunnelDetails(
  helper: HelperCalls,
  name: string,
  now: () => number = Date.now,
): Promise<TunnelDetails> {
  const [listed] = (await helper.call('list', {})).filter((t) => t.name === name);
  // Not listed: `get` answers with the helper's own words (no such tunnel).
  const readable = listed === undefined || (listed.origin === 'store' && listed.canChange);
  const stored = readable ? await helper.call('get', { name }) : null;
  const running = listed !== undefined && listed.state !== 'down';
  const [status] = running ? await helper.call('show', { name }) : ([] as TunnelStatus[]);
  const parsed = stored ? parseConfig(withStandInKey(stored.text)) : null;
  const config = parsed?.ok ? parsed.config : null;
  const peers =
    status?.peers.map((p) => ({
      publicKey: p.publicKey,
      endpoint: p.endpoint,
      allowedIps: p.allowedIps,
      latestHandshake: p.latestHandshake > 0 ? p.latestHandshake : null,
      rxBytes: p.rxBytes,
      txBytes: p.txBytes,
      persistentKeepalive: p.persistentKeepalive,
      ...(p.diagnosis ? { diagnosis: p.diagnosis } : {}),
    })) ??
    config?.peers.map((p) => ({
      publicKey: p.publicKey,
      endpoint: p.endpoint ? formatEndpoint(p.endpoint) : null,
      allowedIps: p.allowedIps.map((a) => `${a.address}/${a.prefix}`),
      latestHandshake: null,
      rxBytes: 0,
      txBytes: 0,
      persistentKeepalive: p.persistentKeepalive ?? 0,
    })) ??
    [];
  return {
    name,
    publicKey: status?.publicKey ?? stored?.publicKey ?? null,
    addresses: config?.interface.addresses.map((a) => `${a.address}/${a.prefix}`) ?? [],
    dns: config ? [...config.interface.dns, ...config.interface.dnsSearch] : [],
    listenPort: status ? status.listenPort : (config?.interface.listenPort ?? null),
    mtu: config?.interface.mtu ?? null,
    running: status !== undefined,
    configReadable: stored !== null,
    peers,
    warnings: status?.warnings ?? [],
    sampledAt: now(),
  };
}

export async function helperLogs(helper: HelperCalls, limit: number): Promise<LogLine[]> {
  return (await helper.call('logs', { limit })).map((e) => ({
    time: e.time,
    level: e.level,
    message: e.message,
    ...(e.tunnel ? { tunnel: e.tunnel } : {}),
  }));
}

/**
 * This tunnel's .conf, key included, for the file the user chose; the caller wipes the bytes after writing. Only
 * its owner or an administrator may read it: the helper refuses anyone else in its own words, thrown on as they are.
 */
export async function exportConf(helper: HelperCalls, name: string): Promise<Uint8Array> {
  const { text } = await helper.call('get', { name, includePrivateKey: true });
  return new TextEncoder().encode(text);
}
