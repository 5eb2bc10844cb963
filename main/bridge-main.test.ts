import { describe, expect, it } from 'vitest';
import { MANIFEST_CHANNEL, bridgeManifest, channelOf, type BridgeHandlers } from '../shared/bridge/schema.js';
import { type IpcMainLike, registerBridge, sendEvent } from './bridge-main.js';
import { trustedSender } from './security.js';

const PAGE = '/opt/warren/renderer/dist/index.html';
const ours = { id: 1 };

function setUp() {
  const handles = new Map<string, (event: unknown, ...args: unknown[]) => unknown>();
  const ons = new Map<string, (event: { returnValue?: unknown }) => void>();
  const ipc = {
    handle: (channel: string, listener: (event: unknown, ...args: unknown[]) => unknown) =>
      handles.set(channel, listener),
    on: (channel: string, listener: (event: { returnValue?: unknown }) => void) => ons.set(channel, listener),
  } as unknown as IpcMainLike;
  const calls: unknown[][] = [];
  const handlers = new Proxy({} as BridgeHandlers, {
    get:
      (_target, name) =>
      (...args: unknown[]) => {
        calls.push([name, ...args]);
        return 'done';
      },
  });
  registerBridge(
    ipc,
    handlers,
    trustedSender(() => ours, PAGE),
  );
  return { handles, ons, calls };
}

const fromUs = { sender: ours, senderFrame: { url: `file://${PAGE}`, parent: null } };

describe('registerBridge', () => {
  it('registers every call of the schema and answers valid calls from our page', async () => {
    const { handles, calls } = setUp();
    expect([...handles.keys()].sort()).toEqual(
      bridgeManifest()
        .calls.map((c) => c.channel)
        .sort(),
    );
    await expect(handles.get(channelOf('setTunnel'))!(fromUs, 'home', false)).resolves.toBe('done');
    expect(calls).toEqual([['setTunnel', 'home', false]]);
  });

  it('refuses other senders: another webContents, a subframe, another page, a remote URL', async () => {
    const { handles, calls } = setUp();
    const call = handles.get(channelOf('getState'))!;
    for (const event of [
      { ...fromUs, sender: { id: 2 } },
      { ...fromUs, senderFrame: { url: `file://${PAGE}`, parent: {} } },
      { ...fromUs, senderFrame: { url: 'file:///tmp/evil.html', parent: null } },
      { ...fromUs, senderFrame: { url: 'https://example.com/', parent: null } },
      { ...fromUs, senderFrame: null },
    ]) {
      await expect(call(event)).rejects.toThrow(/refused/);
    }
    expect(calls).toEqual([]);
  });

  it('refuses malformed arguments before the handler sees them', async () => {
    const { handles, calls } = setUp();
    await expect(handles.get(channelOf('setTunnel'))!(fromUs, 'home', 'yes')).rejects.toThrow(
      'setTunnel: invalid arguments',
    );
    await expect(handles.get(channelOf('importFiles'))!(fromUs, [{ filename: 'a.conf' }])).rejects.toThrow(
      /invalid arguments/,
    );
    expect(calls).toEqual([]);
  });

  it('gives the manifest to our page only', () => {
    const { ons } = setUp();
    const ok: { returnValue?: unknown; sender: unknown } = { ...fromUs };
    ons.get(MANIFEST_CHANNEL)!(ok);
    expect(ok.returnValue).toEqual(bridgeManifest());
    const other: { returnValue?: unknown; sender: unknown } = { ...fromUs, sender: {} };
    ons.get(MANIFEST_CHANNEL)!(other);
    expect(other.returnValue).toEqual({ calls: [], events: [] });
  });

  it('sends events on their channel, and nothing to a destroyed window', () => {
    const sent: unknown[][] = [];
    sendEvent({ send: (...args: unknown[]) => sent.push(args), isDestroyed: () => false }, 'imported', []);
    sendEvent({ send: (...args: unknown[]) => sent.push(args), isDestroyed: () => true }, 'imported', []);
    sendEvent(null, 'imported', []);
    expect(sent).toEqual([[channelOf('imported'), []]]);
  });
});
