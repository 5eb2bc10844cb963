import { describe, expect, it } from 'vitest';
import { fakeApi } from '../../testing/fake-api.js';
import { TunnelActions } from './tunnel-actions.svelte.js';

const taken = () => ['home', 'work'];

describe('TunnelActions', () => {
  it('checks a new name as it is typed and renames through the helper', async () => {
    const api = fakeApi();
    const actions = new TunnelActions(api, taken);
    actions.startRename('home');
    expect(actions.draftProblem).toBeNull();
    actions.draft = 'work';
    expect(actions.draftProblem).toBe('There is already a tunnel named work.');
    expect(await actions.commitRename()).toBeNull();
    actions.draft = 'has space';
    expect(actions.draftProblem).toMatch(/^Names are 1–15/);
    actions.draft = '';
    expect(actions.draftProblem).toBe('Give the tunnel a name.');
    expect(api.calls.filter((c) => c.name === 'renameTunnel')).toEqual([]);
    actions.draft = 'office';
    expect(await actions.commitRename()).toBe('office');
    expect(api.calls.filter((c) => c.name === 'renameTunnel')).toEqual([
      { name: 'renameTunnel', args: ['home', 'office'] },
    ]);
    expect(actions.draft).toBeNull();
    expect(actions.message).toEqual({ tone: 'ok', text: 'Renamed home to office.', tunnel: 'office' });
  });

  it('keeps the draft and says why when the helper refuses, and leaves an unchanged name alone', async () => {
    const api = fakeApi({ renameTunnel: async () => Promise.reject(new Error('the tunnel is up')) });
    const actions = new TunnelActions(api, taken);
    actions.startRename('home');
    expect(await actions.commitRename()).toBeNull();
    expect(actions.draft).toBeNull();
    actions.startRename('home');
    actions.draft = 'office';
    expect(await actions.commitRename()).toBeNull();
    expect(actions.draft).toBe('office');
    expect(actions.message).toEqual({ tone: 'bad', text: 'Could not rename: the tunnel is up', tunnel: 'home' });
    expect(actions.busy).toBe(false);
  });

  it('drops a rename begun on a tunnel no longer shown', async () => {
    const api = fakeApi();
    const actions = new TunnelActions(api, taken);
    actions.startRename('work');
    actions.draft = 'office';
    actions.showing('work');
    expect(actions.draft).toBe('office');
    actions.showing('home');
    expect(actions.draft).toBeNull();
    expect(await actions.commitRename()).toBeNull();
    expect(api.calls.some((c) => c.name === 'renameTunnel')).toBe(false);
  });

  it('deletes, and exports to the path main chose (nothing said when cancelled)', async () => {
    let path: string | null = null;
    const api = fakeApi({ exportTunnel: async () => path });
    const actions = new TunnelActions(api, taken);
    expect(await actions.remove('work')).toBe(true);
    expect(api.calls.filter((c) => c.name === 'deleteTunnel')).toEqual([{ name: 'deleteTunnel', args: ['work'] }]);
    await actions.exportConf('home');
    expect(actions.message).toBeNull();
    path = '/home/ann/home.conf';
    await actions.exportConf('home');
    expect(actions.message?.text).toMatch(/^Exported home to \/home\/ann\/home\.conf\. The file holds the private key/);
  });

  it('reports a failed delete', async () => {
    const actions = new TunnelActions(
      fakeApi({ deleteTunnel: async () => Promise.reject(new Error('helper gone')) }),
      taken,
    );
    expect(await actions.remove('work')).toBe(false);
    expect(actions.message).toEqual({ tone: 'bad', text: 'Could not delete: helper gone', tunnel: 'work' });
  });

  it("shows the helper's own words when it refuses an export", async () => {
    const refusal = 'office belongs to alice; only alice or an administrator may read it';
    const actions = new TunnelActions(fakeApi({ exportTunnel: async () => Promise.reject(new Error(refusal)) }), taken);
    await actions.exportConf('office');
    expect(actions.message).toEqual({ tone: 'bad', text: `Could not export: ${refusal}`, tunnel: 'office' });
  });
});
