/*
 * The helper's trust boundary, tried as a hostile member of its group would: a real `warren daemon` (root) in a
 * network namespace of the test's own, started under a umask of 077 in a runtime directory that does not exist
 * yet (as `sudo warren daemon` may be), with a throwaway control group and two throwaway members. The members'
 * clients are plain scripts run by runuser (a member may not be able to read this repository); root's are
 * ControlClients and the real `warren` command.
 *
 * Each attack of the issue is made and must now be refused with its message, leave no file that a hook run as
 * root would have written, return no key, and leave the same helper process answering root at once with its
 * memory bounded. Tunnels point at a peer on the namespace's loopback that never answers: they come up and stay
 * 'connecting', which is all these tests need.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HELPER_RUNTIME_FLAGS } from '../../native-helper/cli/helper-connection.js';
import { encodeKey } from '../../shared/config/keys.js';
import { ControlClient } from '../../shared/ipc/control-client.js';
import { canMakeAccounts, uidOf } from '../support/throwaway-accounts.js';
import { eventually, sleep } from './interop-inspect.js';
import { type Result, WARREN, execute } from './interop-site.js';
import { MemberHelper } from './member-helper.js';
import { canCreateNamespaces } from './namespace.js';

const usable = canCreateNamespaces && canMakeAccounts && existsSync('/dev/net/tun');

/**
 * A member's client, as a plain script: `node client.cjs SOCKET MODE [ARG]`, a JSON value on stdin, one JSON
 * line out.
 *   calls        stdin: requests ({method, params}); sends them all, prints every reply once all are in.
 *   unread       stdin: {request, count, holdMs}; sends `count` copies, never reads, holds the connection open.
 *   connections  stdin: {count, holdMs}; opens `count` connections, prints what refused ones were told.
 *   frames       stdin: an array of base64 chunks, each sent on a connection of its own; prints the replies.
 */
const CLIENT = String.raw`
const net = require('node:net');
const [socketPath, mode] = process.argv.slice(2);
const input = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
const out = (value) => { process.stdout.write(JSON.stringify(value) + '\n'); process.exit(0); };
setTimeout(() => out({ timeout: true }), 60000).unref();
const lines = (data) => data.split('\n').filter(Boolean).map((l) => { try { return JSON.parse(l); } catch { return { unparsed: l.slice(0, 200) }; } });
if (mode === 'calls') {
  const socket = net.connect(socketPath);
  let data = '';
  socket.setEncoding('utf8');
  socket.on('error', (e) => out({ error: e.code }));
  socket.on('data', (chunk) => {
    data += chunk;
    const replies = lines(data).filter((r) => r.id !== undefined);
    if (replies.length >= input.length) { socket.destroy(); out({ replies }); }
  });
  socket.on('close', () => out({ replies: lines(data), closed: true }));
  socket.write(input.map((r, i) => JSON.stringify({ v: 1, id: i + 1, method: r.method, params: r.params }) + '\n').join(''));
} else if (mode === 'unread') {
  const socket = net.connect(socketPath);
  socket.pause();
  socket.on('error', () => {});
  socket.write((JSON.stringify(input.request) + '\n').repeat(input.count));
  setTimeout(() => out({ sent: input.count }), input.holdMs);
} else if (mode === 'connections') {
  const sockets = [];
  const refused = [];
  let opened = 0;
  for (let i = 0; i < input.count; i++) {
    const socket = net.connect(socketPath);
    sockets.push(socket);
    socket.setEncoding('utf8');
    let data = '';
    socket.on('connect', () => opened++);
    socket.on('data', (chunk) => { data += chunk; });
    socket.on('close', () => { if (data) refused.push(lines(data)[0]); });
    socket.on('error', () => {});
  }
  setTimeout(() => out({ opened, refused: refused.length, first: refused[0] }), input.holdMs);
} else if (mode === 'frames') {
  let left = input.length;
  const replies = [];
  if (left === 0) out({ replies });
  for (const chunk of input) {
    const socket = net.connect(socketPath);
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (c) => { data += c; });
    socket.on('error', () => {});
    socket.on('close', () => { replies.push(...lines(data)); if (--left === 0) out({ replies }); });
    socket.end(Buffer.from(chunk, 'base64'));
    setTimeout(() => socket.destroy(), 3000).unref();
  }
}
`;

type Reply = {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: { code: string; message: string; details?: string[] };
};

describe.skipIf(!usable)("the helper's trust boundary, against a hostile member", () => {
  // Its runtime directory does not exist: the helper makes it, under the umask, as `sudo warren daemon` may.
  const helper = new MemberHelper({
    prefix: 'wab',
    members: ['m', 'a'],
    runtime: 'run/warren',
    umask: '077',
    nodeArgs: HELPER_RUNTIME_FLAGS, // as the unit runs it
  });
  const { tag, group } = helper;
  const mallory = helper.members.m!;
  const alice = helper.members.a!;
  let dir: string;
  let socket: string;
  let markers: string;

  const key = (n: number) => encodeKey(new Uint8Array(32).fill(n));
  /** A tunnel to a peer on the namespace's loopback that never answers; `extra` lines go in [Interface]. */
  const conf = (n: number, extra: string[] = []) =>
    [
      '[Interface]',
      `PrivateKey = ${key(n)}`,
      `Address = 10.77.${n}.2/32`,
      ...extra,
      '',
      '[Peer]',
      `PublicKey = ${key(200 + n)}`,
      `Endpoint = 127.0.0.1:${40000 + n}`,
      `AllowedIPs = 10.77.${n}.0/24`,
      '',
    ].join('\n');
  const marker = (name: string) => join(markers, name);
  const touch = (name: string) => `touch ${marker(name)}`;

  /** Requests as a member, through the plain client; resolves with its replies in order. */
  const asMember = async (user: string, requests: { method: string; params: unknown }[]): Promise<Reply[]> => {
    const outcome = await member(user, 'calls', requests);
    expect(outcome.error, JSON.stringify(outcome)).toBeUndefined();
    return (outcome.replies as Reply[]).sort((a, b) => a.id - b.id);
  };
  const member = async (
    user: string,
    mode: string,
    input: unknown,
    timeoutMs = 70_000,
  ): Promise<Record<string, unknown>> => {
    const result = await execute(
      ['runuser', '-u', user, '--', process.execPath, join(dir, 'client.cjs'), socket, mode],
      timeoutMs,
      JSON.stringify(input),
    );
    const last = result.stdout.trim().split('\n').pop() ?? '';
    if (last === '') throw new Error(`the member client printed nothing (status ${result.status}): ${result.stderr}`);
    return JSON.parse(last) as Record<string, unknown>;
  };
  const asRoot = <T>(request: (client: ControlClient) => Promise<T>): Promise<T> => helper.asRoot(request);
  /** `warren ARGS` as root inside the namespace. */
  const warren = (...args: string[]): Promise<Result> =>
    execute(
      [...helper.ns.prefix, 'env', `WARREN_RUNTIME_DIR=${helper.runtime}`, process.execPath, WARREN, ...args],
      30_000,
    );

  /** The helper is the same process and answers root within 2 s; its resident memory, in MiB. */
  const stillServing = async (): Promise<number> => {
    const started = Date.now();
    const names = await asRoot((client) => client.call('list', {}));
    expect(Array.isArray(names)).toBe(true);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(helper.exited, logTail()).toBe(false);
    return helper.rssMiB();
  };
  const logTail = () => helper.logTail();

  beforeAll(async () => {
    await helper.start();
    dir = helper.dir;
    socket = helper.socket;
    writeFileSync(join(dir, 'client.cjs'), CLIENT, { mode: 0o644 });
    markers = join(dir, 'markers');
    mkdirSync(markers, { mode: 0o755 });
  }, 120_000);

  afterAll(() => helper.stop(), 60_000);

  it('serves a member when started like `sudo warren daemon` in a fresh runtime directory: 0755, socket 0660 root:GROUP', async () => {
    expect(statSync(helper.runtime).mode & 0o7777).toBe(0o755);
    const stat = statSync(socket);
    expect(stat.mode & 0o777).toBe(0o660);
    expect(stat.uid).toBe(0);
    expect(stat.gid).toBe(
      Number(
        readFileSync('/etc/group', 'utf8')
          .split('\n')
          .find((l) => l.startsWith(`${group}:`))!
          .split(':')[2],
      ),
    );
    const [version] = await asMember(mallory, [{ method: 'version', params: {} }]);
    expect(version).toMatchObject({ ok: true, result: { protocol: 1 } });
  });

  it('never runs code as root for a member: no allowing scripts, no file tunnel with scripts, hooks stored but not run', async () => {
    // One connection's requests run side by side; those about one tunnel keep their order.
    const [imported, allow, up, fromText] = await asMember(mallory, [
      {
        method: 'import',
        params: { files: [{ filename: 'evil1.conf', text: conf(1, [`PostUp = ${touch('evil1')}`]) }] },
      },
      { method: 'setOptions', params: { name: 'evil1', options: { allowScripts: true } } },
      { method: 'up', params: { name: 'evil1' } },
      { method: 'up', params: { name: 'evil2', config: conf(2, [`PreUp = ${touch('evil2')}`]), allowScripts: true } },
    ]);
    const [list] = await asMember(mallory, [{ method: 'list', params: {} }]);
    expect(imported).toMatchObject({ ok: true, result: [{ ok: true, name: 'evil1' }] });
    expect(allow).toMatchObject({ ok: false, error: { code: 'not-permitted' } });
    expect(allow!.error!.message).toContain(
      'only an administrator may allow them (`sudo warren set evil1 --allow-scripts on`',
    );
    expect(up).toMatchObject({
      ok: true,
      result: { name: 'evil1', warnings: [expect.stringContaining('PostUp not run')] },
    });
    expect(fromText).toMatchObject({
      ok: false,
      error: { code: 'not-permitted', message: expect.stringContaining("running a file's tunnel with its scripts") },
    });
    const evil1 = (
      list!.result as { name: string; owner?: string; canChange: boolean; options: { allowScripts: boolean } }[]
    ).find((t) => t.name === 'evil1');
    expect(evil1).toMatchObject({ owner: mallory, canChange: true, options: { allowScripts: false } });
    expect(existsSync(marker('evil1'))).toBe(false);
    expect(existsSync(marker('evil2'))).toBe(false);
    await asRoot((client) => client.call('down', { name: 'evil1' }));
  });

  it("lets root allow a member's scripts, runs them as allowed, and refuses the member changing them afterwards", async () => {
    await asMember(mallory, [
      { method: 'import', params: { files: [{ filename: 'ok3.conf', text: conf(3, [`PostUp = ${touch('ok3')}`]) }] } },
    ]);
    const set = await warren('set', 'ok3', '--allow-scripts', 'on');
    expect(set, set.stderr).toMatchObject({ status: 0, stdout: 'ok3: allow-scripts on\n' });
    const [change, harmless, up] = await asMember(mallory, [
      {
        method: 'update',
        params: {
          name: 'ok3',
          text: conf(3, [`PostUp = ${touch('evil3')}`]).replace(/^PrivateKey = .*$/m, 'PrivateKey = (hidden)'),
        },
      },
      { method: 'update', params: { name: 'ok3', text: conf(3, [`PostUp = ${touch('ok3')}`, 'MTU = 1380']) } },
      { method: 'up', params: { name: 'ok3' } },
    ]);
    expect(change).toMatchObject({
      ok: false,
      error: {
        code: 'not-permitted',
        message: expect.stringContaining('an administrator allowed the scripts of ok3 as they are'),
      },
    });
    expect(harmless).toMatchObject({ ok: true });
    expect(up).toMatchObject({ ok: true });
    // The command an administrator allowed ran, as root; the member's did not.
    expect(existsSync(marker('ok3'))).toBe(true);
    expect(statSync(marker('ok3')).uid).toBe(0);
    expect(existsSync(marker('evil3'))).toBe(false);
    await asRoot((client) => client.call('down', { name: 'ok3' }));
    // Switching them off is the owner's to do.
    const [off] = await asMember(mallory, [
      { method: 'setOptions', params: { name: 'ok3', options: { allowScripts: false } } },
    ]);
    expect(off).toMatchObject({ ok: true, result: { allowScripts: false } });
    // Root may still bring a file's tunnel up with its scripts.
    const rootUp = await asRoot((client) =>
      client.call('up', { name: 'root4', config: conf(4, [`PostUp = ${touch('root4')}`]), allowScripts: true }),
    );
    expect(rootUp.name).toBe('root4');
    expect(existsSync(marker('root4'))).toBe(true);
    await asRoot((client) => client.call('down', { name: 'root4' }));
  });

  it("gives a member no other owner's key, text or settings, and root's imports are root's", async () => {
    await asRoot((client) => client.call('import', { files: [{ filename: 'admin5.conf', text: conf(5) }] }));
    await asMember(alice, [{ method: 'import', params: { files: [{ filename: 'alice6.conf', text: conf(6) }] } }]);
    const replies = await asMember(mallory, [
      { method: 'get', params: { name: 'admin5', includePrivateKey: true } },
      { method: 'get', params: { name: 'alice6', includePrivateKey: true } },
      { method: 'get', params: { name: 'alice6' } },
      { method: 'setOptions', params: { name: 'alice6', options: { autostart: true } } },
      { method: 'rename', params: { name: 'alice6', newName: 'mine6' } },
      { method: 'delete', params: { name: 'alice6' } },
      { method: 'update', params: { name: 'alice6', text: conf(6, ['MTU = 1300']) } },
      { method: 'list', params: {} },
    ]);
    expect(replies[0]!.error).toEqual({
      code: 'not-permitted',
      message: 'admin5 belongs to root; only root or an administrator may read it',
    });
    expect(replies[1]!.error).toEqual({
      code: 'not-permitted',
      message: `alice6 belongs to ${alice}; only ${alice} or an administrator may read it`,
    });
    for (const reply of replies.slice(2, 7))
      expect(reply).toMatchObject({ ok: false, error: { code: 'not-permitted' } });
    expect(JSON.stringify(replies)).not.toContain(key(5));
    expect(JSON.stringify(replies)).not.toContain(key(6));
    const listed = replies[7]!.result as { name: string; owner?: string; canChange: boolean }[];
    expect(listed.find((t) => t.name === 'alice6')).toMatchObject({ owner: alice, canChange: false });
    expect(listed.find((t) => t.name === 'admin5')).toMatchObject({ owner: 'root', canChange: false });
    // Switching another owner's tunnel on and off is every member's.
    const [up, down] = await asMember(mallory, [
      { method: 'up', params: { name: 'alice6' } },
      { method: 'down', params: { name: 'alice6' } },
    ]);
    expect(up).toMatchObject({ ok: true });
    expect(down).toMatchObject({ ok: true });
    // The owner gets the key; the store recorded who that is.
    const [own] = await asMember(alice, [{ method: 'get', params: { name: 'alice6', includePrivateKey: true } }]);
    expect((own!.result as { text: string }).text).toContain(key(6));
    const state = JSON.parse(readFileSync(join(dir, 'store', 'state.json'), 'utf8'));
    expect(state.tunnels.alice6.owner).toBe(await uidOf(alice));
    expect(state.tunnels.admin5.owner).toBeUndefined();
  });

  it('survives an import whose errors once made a reply too large to encode, and answers with a bounded list', async () => {
    const before = await stillServing();
    const garbage = 'x\n'.repeat(131_000);
    const files = [1, 2].map((n) => ({
      filename: `${String(n).repeat(4000)}.conf`,
      text: garbage,
      name: `garbage${n}`,
    }));
    const [reply] = await asMember(mallory, [{ method: 'import', params: { files } }]);
    const results = reply!.result as { ok: boolean; filename: string; errors: string[] }[];
    expect(results).toHaveLength(2);
    for (const result of results) {
      expect(result.ok).toBe(false);
      expect(result.filename.length).toBeLessThan(200);
      expect(result.errors).toHaveLength(51);
      expect(result.errors[50]).toMatch(/^\d{60}…\d{55}.conf: \d+ more errors; is it a WireGuard configuration\?$/);
    }
    expect((await stillServing()) - before).toBeLessThan(64);
    // What a user meets: `warren import` of a 256 KB garbage file says what is wrong, briefly.
    writeFileSync(join(dir, 'garbage.conf'), garbage);
    const cli = await warren('import', join(dir, 'garbage.conf'));
    expect(cli.status).toBe(1);
    expect(cli.stderr).not.toContain('malformed response');
    expect(cli.stderr).toContain('garbage.conf:1: ');
    expect(cli.stderr.split('\n').length).toBeLessThan(60);
  });

  it('holds one buffer of replies for a member who asks 400 times and never reads, and serves root meanwhile', async () => {
    // A large tunnel: 200 KB of comments.
    const padding = Array.from({ length: 2500 }, (_, i) => `# ${'padding '.repeat(10)}${i}`);
    await asMember(mallory, [
      { method: 'import', params: { files: [{ filename: 'big7.conf', text: conf(7, padding) }] } },
    ]);
    const before = await stillServing();
    const pending = member(mallory, 'unread', {
      request: { v: 1, id: 1, method: 'get', params: { name: 'big7' } },
      count: 400,
      holdMs: 4000,
    });
    await sleep(1500);
    expect((await stillServing()) - before).toBeLessThan(48);
    expect(await pending).toEqual({ sent: 400 });
    await stillServing();
  });

  it('refuses a member its 17th connection with a message, serves root while 600 are tried, and frees them when closed', async () => {
    const before = await stillServing();
    const pending = member(mallory, 'connections', { count: 600, holdMs: 3000 });
    await sleep(1500);
    expect((await stillServing()) - before).toBeLessThan(48);
    const outcome = await pending;
    expect(outcome.refused).toBe(600 - 16);
    expect(outcome.first).toMatchObject({
      id: 0,
      ok: false,
      error: {
        code: 'too-many-connections',
        message: expect.stringContaining(`user ${mallory} already has 16 connections`),
      },
    });
    // Closed with the client's exit: a new connection is served.
    await eventually(
      async () => expect((await asMember(mallory, [{ method: 'version', params: {} }]))[0]).toMatchObject({ ok: true }),
      5000,
      100,
    );
  });

  it("does not hold up another client's list while a tunnel's hook sleeps for a minute", async () => {
    // A duration of its own, so the test finds its sleep and nobody else's (bash execs a lone command itself).
    const sleeper = ['sleep', `60.${tag}`];
    await asRoot((client) =>
      client.call('import', { files: [{ filename: 'slow8.conf', text: conf(8, [`PreUp = ${sleeper.join(' ')}`]) }] }),
    );
    await asRoot((client) => client.call('setOptions', { name: 'slow8', options: { allowScripts: true } }));
    const root = await ControlClient.connect(socket);
    const watcher = await ControlClient.connect(socket);
    const slowUp = root.call('up', { name: 'slow8' }).then(
      () => 'up',
      (error: Error) => error.message,
    );
    try {
      const hook = await eventually(
        () => {
          const pid = findProcess(sleeper);
          if (pid === null) throw new Error('the PreUp hook is not running yet');
          return pid;
        },
        10_000,
        50,
      );
      const started = Date.now();
      const tunnels = await watcher.call('list', {});
      expect(Date.now() - started).toBeLessThan(1000);
      expect(tunnels.find((t) => t.name === 'slow8')?.state).toBe('down');
      // A member is served too, and may bring another tunnel up meanwhile.
      const [list, otherUp] = await asMember(mallory, [
        { method: 'list', params: {} },
        { method: 'up', params: { name: 'evil1' } },
      ]);
      expect(list).toMatchObject({ ok: true });
      expect(otherUp).toMatchObject({ ok: true });
      process.kill(hook, 'SIGKILL');
      expect(await slowUp).toMatch(/PreUp hook .*SIGKILL/);
    } finally {
      root.close();
      watcher.close();
      await asRoot((client) => client.call('down', { name: 'evil1' })).catch(() => {});
    }
  });

  it('lives through a fuzzer of its control protocol: random, truncated, oversized, deeply nested and wrong-typed frames', async () => {
    const before = await stillServing();
    const methods = [
      'version',
      'list',
      'get',
      'import',
      'create',
      'update',
      'setOptions',
      'rename',
      'delete',
      'up',
      'down',
      'show',
      'logs',
      'subscribe',
      'nope',
    ];
    const request = fc.record({
      v: fc.oneof(fc.constant(1), fc.integer(), fc.string()),
      id: fc.oneof(fc.nat(), fc.integer(), fc.double(), fc.string(), fc.constant(null)),
      method: fc.constantFrom(...methods),
      params: fc.oneof(
        fc.jsonValue({ maxDepth: 4 }),
        fc.record({
          name: fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('-x', 'evil1', 'alice6', '..', 'a'.repeat(16))),
        }),
        fc.record({ files: fc.array(fc.record({ filename: fc.string(), text: fc.string() }), { maxLength: 3 }) }),
      ),
    });
    const frame = fc.oneof(
      { arbitrary: request.map((r) => JSON.stringify(r) + '\n'), weight: 6 },
      {
        arbitrary: request
          .map((r) => JSON.stringify(r))
          .chain((s) => fc.nat({ max: s.length }).map((cut) => s.slice(0, cut) + '\n')),
        weight: 3,
      },
      {
        arbitrary: fc.uint8Array({ maxLength: 2048 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
        weight: 3,
      },
      { arbitrary: fc.nat({ max: 20_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth) + '\n'), weight: 1 },
      {
        arbitrary: fc
          .nat({ max: 20_000 })
          .map(
            (depth) =>
              '{"v":1,"id":1,"method":"list","params":' + '{"a":'.repeat(depth) + '1' + '}'.repeat(depth) + '}\n',
          ),
        weight: 1,
      },
      { arbitrary: fc.constant('x'.repeat(4 * 1024 * 1024 + 16)), weight: 1 },
    );
    const deadline = Date.now() + 15_000;
    let rounds = 0;
    while (Date.now() < deadline && rounds < 40) {
      const batch = fc.sample(frame, { numRuns: 12, seed: 1000 + rounds });
      const outcome = await member(
        mallory,
        'frames',
        batch.map((text) => Buffer.from(text, 'latin1').toString('base64')),
        30_000,
      );
      expect(outcome.timeout).toBeUndefined();
      // Every reply is well formed: a result or an error with a code and a message.
      for (const reply of outcome.replies as Reply[]) {
        if (reply.ok === false) expect(typeof reply.error?.code).toBe('string');
      }
      rounds++;
    }
    expect(rounds).toBeGreaterThan(3);
    expect((await stillServing()) - before).toBeLessThan(64);
    expect(logTail()).not.toMatch(/unhandled|RangeError/i);
  }, 60_000);
});

/** The pid of a process whose command line is exactly `argv`, or null. */
function findProcess(argv: readonly string[]): number | null {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8') === argv.join('\0') + '\0') return Number(entry);
    } catch {
      // gone
    }
  }
  return null;
}
