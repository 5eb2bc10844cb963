/*
 * The demo's throughput probe, run as its own process inside a namespace (sockets belong to the namespace of
 * the process that opens them). `server PORT` counts what arrives and prints one JSON line every 250 ms with the
 * bytes received so far, and a last one with `done` when the client closes. `client HOST PORT SECONDS` streams
 * zeros for that long.
 */
import { connect, createServer } from 'node:net';

const [mode, ...args] = process.argv.slice(2);

if (mode === 'server') {
  const server = createServer((socket) => {
    const started = Date.now();
    let received = 0;
    const report = (done: boolean) =>
      process.stdout.write(JSON.stringify({ ms: Date.now() - started, bytes: received, done }) + '\n');
    const timer = setInterval(() => report(false), 250);
    socket.on('data', (chunk: Buffer) => (received += chunk.length));
    socket.on('close', () => {
      clearInterval(timer);
      report(true);
      server.close();
    });
    socket.on('error', () => socket.destroy());
  });
  server.listen(Number(args[0]), () => process.stdout.write(JSON.stringify({ listening: true }) + '\n'));
} else if (mode === 'client') {
  const [host, port, seconds] = [args[0], Number(args[1]), Number(args[2])];
  const chunk = Buffer.alloc(64 * 1024, 0x5a);
  const socket = connect(port, host);
  const started = Date.now();
  const pump = () => {
    while (Date.now() - started < seconds * 1000) {
      if (!socket.write(chunk)) return void socket.once('drain', pump);
    }
    socket.end();
  };
  socket.on('connect', pump);
  socket.on('error', (error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  });
} else {
  process.stderr.write('usage: tcp-stream server PORT | client HOST PORT SECONDS\n');
  process.exit(2);
}
