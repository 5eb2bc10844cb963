import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { AppState } from '../shared/bridge/types.js';
import { crc32, trayIconPng } from './tray-icons.js';
import { type TrayActions, trayIcon, trayMenuTemplate, trayTooltip } from './tray-menu.js';

const connected = { kind: 'connected', helperVersion: '0.1.0' } as const;

function actions() {
  const done: string[] = [];
  const a: TrayActions = {
    setTunnel: (name, on) => done.push(`${name} ${on ? 'up' : 'down'}`),
    openWindow: () => done.push('open'),
    reconnect: () => done.push('reconnect'),
    quit: () => done.push('quit'),
    openPreferences: () => done.push('preferences'),
    exportAll: () => done.push('export'),
  };
  return { a, done };
}

describe('tray menu', () => {
  const state: AppState = {
    connection: connected,
    tunnels: [
      { name: 'home', phase: 'on', stored: true, owner: 'ann', canChange: true },
      { name: 'work', phase: 'off', stored: true, owner: 'alice', canChange: false },
      { name: 'lab', phase: 'reconnecting', stored: true, owner: 'ann', canChange: true },
      { name: 'cafe', phase: 'error', stored: true, error: 'no handshake', owner: 'root', canChange: false },
    ],
  };

  it('lists every tunnel, whoever owns it, as a check item that toggles it, then Open Warren, Preferences, Export all and Quit', () => {
    const { a, done } = actions();
    const menu = trayMenuTemplate(state, a);
    expect(menu.map(({ click: _, ...item }) => item)).toEqual([
      { type: 'checkbox', label: 'home', checked: true, enabled: true },
      { type: 'checkbox', label: 'work', checked: false, enabled: true },
      { type: 'checkbox', label: 'lab (reconnecting…)', checked: true, enabled: true },
      { type: 'checkbox', label: 'cafe (error)', checked: false, enabled: true },
      { type: 'separator' },
      { label: 'Open Warren' },
      { label: 'Preferences…' },
      { label: 'Export all tunnels…', enabled: true },
      { label: 'Quit' },
    ]);
    for (const item of menu) item.click?.();
    expect(done).toEqual(['home down', 'work up', 'lab down', 'cafe up', 'open', 'preferences', 'export', 'quit']);
  });

  it('says how to start a missing helper, offers to try again, and disables the toggles', () => {
    const { a, done } = actions();
    const missing: AppState = {
      connection: {
        kind: 'helper-missing',
        message: 'The Warren helper is not running.',
        hint: 'Start it with `sudo systemctl start warren`.',
      },
      tunnels: [],
    };
    const menu = trayMenuTemplate(missing, a);
    expect(menu[0]).toEqual({
      label: 'The Warren helper is not running. Start it with `sudo systemctl start warren`.',
      enabled: false,
    });
    menu[1]!.click!();
    expect(done).toEqual(['reconnect']);
    expect(menu.map((i) => i.label)).toContain('No tunnels');
    // Nothing to export while the helper does not answer.
    expect(menu.find((i) => i.label === 'Export all tunnels…')?.enabled).toBe(false);
    expect(trayIcon(missing)).toBe('error');
    expect(trayTooltip(missing)).toBe(
      'Warren: The Warren helper is not running. Start it with `sudo systemctl start warren`.',
    );
  });

  it('picks one of four icons: error wins, then connecting, then on, else off', () => {
    expect(trayIcon(state)).toBe('error');
    expect(trayIcon({ connection: connected, tunnels: [state.tunnels[0]!, state.tunnels[2]!] })).toBe('connecting');
    expect(trayIcon({ connection: connected, tunnels: [state.tunnels[0]!, state.tunnels[1]!] })).toBe('on');
    expect(trayIcon({ connection: connected, tunnels: [state.tunnels[1]!] })).toBe('off');
    expect(trayIcon({ connection: { kind: 'connecting' }, tunnels: [] })).toBe('connecting');
    expect(trayTooltip({ connection: connected, tunnels: [state.tunnels[0]!, state.tunnels[2]!] })).toBe(
      'Warren: home on, lab reconnecting…',
    );
  });
});

describe('tray icons', () => {
  it('are valid 32×32 RGBA PNGs with correct CRCs, distinct per state', () => {
    const seen = new Set<string>();
    for (const icon of ['off', 'connecting', 'on', 'error'] as const) {
      const png = trayIconPng(icon);
      expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      const chunks: { type: string; data: Buffer }[] = [];
      for (let at = 8; at < png.length;) {
        const length = png.readUInt32BE(at);
        const type = png.toString('latin1', at + 4, at + 8);
        const data = png.subarray(at + 8, at + 8 + length);
        expect(png.readUInt32BE(at + 8 + length)).toBe(crc32(png.subarray(at + 4, at + 8 + length)));
        chunks.push({ type, data });
        at += 12 + length;
      }
      expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
      expect(chunks[0]!.data.readUInt32BE(0)).toBe(32);
      expect(chunks[0]!.data[9]).toBe(6);
      expect(inflateSync(chunks[1]!.data).length).toBe(32 * (32 * 4 + 1));
      seen.add(png.toString('base64'));
    }
    expect(seen.size).toBe(4);
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });
});
