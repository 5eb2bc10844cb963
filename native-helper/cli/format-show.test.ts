import { describe, expect, it } from 'vitest';
import type { TunnelStatus } from '../../shared/ipc/control.js';
import { formatShow } from './format-show.js';

const NOW = 1_800_000_000_000;

function tunnel(overrides: Partial<TunnelStatus> = {}): TunnelStatus {
  return {
    name: 'wg0',
    publicKey: 'HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=',
    listenPort: 51820,
    fwmark: 0,
    drops: {},
    warnings: [],
    peers: [
      {
        publicKey: 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=',
        endpoint: '192.0.2.1:51820',
        allowedIps: ['10.0.0.2/32'],
        latestHandshake: NOW - 65_000,
        rxBytes: 2048,
        txBytes: 100,
        persistentKeepalive: 0,
        hasSession: true,
        drops: {},
      },
    ],
    ...overrides,
  };
}

describe('warren show', () => {
  it('prints what wg show prints', () => {
    expect(formatShow([tunnel()], NOW)).toBe(
      [
        'interface: wg0',
        '  public key: HIgo9xNzJMWLKASShiTqIybxZ0U3wGLiUeJ1PKf8ykw=',
        '  private key: (hidden)',
        '  listening port: 51820',
        '',
        'peer: xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=',
        '  endpoint: 192.0.2.1:51820',
        '  allowed ips: 10.0.0.2/32',
        '  latest handshake: 1 minute, 5 seconds ago',
        '  transfer: 2.00 KiB received, 100 B sent',
        '',
      ].join('\n'),
    );
  });

  it("adds the device's drops under the interface and each peer's under the peer", () => {
    const base = tunnel();
    const text = formatShow(
      [
        tunnel({
          drops: { malformed: 7, 'unknown-index': 3, replay: 1 },
          peers: [{ ...base.peers[0]!, drops: { replay: 1 } }],
        }),
      ],
      NOW,
    );
    const [head, peer] = text.split('\n\npeer: ');
    expect(head).toContain('\n  dropped: 7 malformed, 3 unknown-index, 1 replay');
    expect(peer).toContain('\n  dropped: 1 replay\n');
  });

  it("prints a peer's diagnosis as a hint, with what to check", () => {
    const base = tunnel();
    const diagnosis = {
      kind: 'no-reply',
      summary: 'the peer does not answer handshakes',
      hints: ['check the Endpoint', 'check the keys'],
    };
    const text = formatShow([tunnel({ peers: [{ ...base.peers[0]!, diagnosis }] })], NOW);
    expect(text).toContain(
      '\n  hint: the peer does not answer handshakes\n    - check the Endpoint\n    - check the keys\n',
    );
    expect(formatShow([tunnel()], NOW)).not.toContain('hint:');
  });
});
