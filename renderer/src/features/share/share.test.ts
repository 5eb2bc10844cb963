import { describe, expect, it } from 'vitest';
import { deferred, fakeApi } from '../../testing/fake-api.js';
import { ExportAll } from './export-all.svelte.js';
import { TunnelQrState, qrPath } from './tunnel-qr.svelte.js';

describe('ExportAll', () => {
  it('says what was exported and what was left out, nothing when cancelled, and why it failed', async () => {
    let answer: Awaited<ReturnType<ReturnType<typeof fakeApi>['exportAll']>> = {
      path: '/home/ann/warren-tunnels.zip',
      exported: ['home', 'work'],
      leftOut: [{ name: 'team', owner: 'alice' }],
    };
    const api = fakeApi({ exportAll: async () => answer });
    const exporter = new ExportAll(api);
    await exporter.run();
    expect(exporter.message).toEqual({
      tone: 'ok',
      lines: [
        'Exported home and work to /home/ann/warren-tunnels.zip. The file holds their private keys: keep it safe.',
        'Left out: team (alice’s); only its owner or an administrator may export it.',
      ],
    });
    answer = null;
    await exporter.run();
    expect(exporter.message?.tone).toBe('ok');
    exporter.dismiss();
    expect(exporter.message).toBeNull();

    const failing = new ExportAll(
      fakeApi({
        exportAll: async () => {
          throw new Error('There is no stored tunnel to export.');
        },
      }),
    );
    await failing.run();
    expect(failing.message).toEqual({ tone: 'bad', lines: ['Could not export: There is no stored tunnel to export.'] });
    expect(failing.busy).toBe(false);
  });
});

describe('TunnelQrState', () => {
  it('asks first, makes the code only once confirmed, and forgets it on close', async () => {
    const api = fakeApi();
    const qr = new TunnelQrState(api);
    qr.ask('home');
    expect(api.calls.filter((c) => c.name === 'getTunnelQr')).toEqual([]);
    qr.cancel();
    expect([qr.asking, qr.showing]).toEqual([null, null]);
    qr.ask('home');
    await qr.confirm();
    expect(api.calls.filter((c) => c.name === 'getTunnelQr')).toEqual([{ name: 'getTunnelQr', args: ['home'] }]);
    expect([qr.asking, qr.showing, qr.qr]).toEqual([null, 'home', { kind: 'code', modules: [[true]] }]);
    qr.close();
    expect([qr.showing, qr.qr]).toEqual([null, null]);
  });

  it('drops an answer that arrives after the dialog closed, and shows a refusal', async () => {
    const held = deferred<{ kind: 'code'; modules: boolean[][] }>();
    const qr = new TunnelQrState(fakeApi({ getTunnelQr: () => held.promise }));
    qr.ask('home');
    const pending = qr.confirm();
    qr.close();
    held.resolve({ kind: 'code', modules: [[true]] });
    await pending;
    expect(qr.qr).toBeNull();

    const refused = new TunnelQrState(
      fakeApi({
        getTunnelQr: async () => {
          throw new Error('team belongs to alice; only alice or an administrator may read it');
        },
      }),
    );
    refused.ask('team');
    await refused.confirm();
    expect(refused.error).toBe('team belongs to alice; only alice or an administrator may read it');
  });

  it('draws each run of dark modules as one subpath, offset by the quiet zone', () => {
    expect(
      qrPath(
        [
          [true, true, false, true],
          [false, false, false, false],
          [false, true, true, true],
        ],
        4,
      ),
    ).toBe('M4 4h2v1h-2zM7 4h1v1h-1zM5 6h3v1h-3z');
  });
});
