// A Bind over two UDP sockets of the warren_io addon, IPv4 and IPv6 (V6ONLY) on one port, as wireguard-go's
// StdNetBind: port 0 lets the kernel pick for IPv4 and retries when that port is taken for IPv6; a system
// without IPv6 (EAFNOSUPPORT) leaves IPv4 alone working. Receive sizes: each socket's reader (addon/src/reader.c)
// fills batches of up to `messages` recvmmsg messages of 64 KiB (room for a UDP GRO super-datagram), split into
// datagrams in C.
import { loadAddon, type NativeIo, type UdpHandle, type UdpInfo, type UdpStats } from './addon.js';
import type { Bind } from './bind.js';
import { errnoError, isErrnoError, type ErrnoError } from './errno-error.js';
import { type DatagramBatch, createDatagramBatch } from './packet-batch.js';
import { checkCount, slotCallback } from './slots.js';

export interface AddonBindOptions {
  /** SO_SNDBUF, forced past the system maximum when root. Default 7 MiB, as wireguard-go. */
  sendBufferBytes?: number;
  /**
   * SO_RCVBUF, likewise (the kernel doubles it for its bookkeeping). Default 2 MiB: below wireguard-go's 7 MiB,
   * as this queue sits in front of one JS thread and under load TCP inside the tunnel keeps whatever it is filled
   * to as latency for every packet. Since the data path reads on the loop and seals with OpenSSL, 2 MiB leaves no
   * drops and no retransmits under full TCP load, with ping under that load below upstream wireguard-go's; 128 KiB
   * (the default while the path was slower) dropped about a thousand datagrams a second and cost TCP tens of
   * thousands of retransmits and some throughput. The measurements are in test/bench/RESULTS.md.
   */
  receiveBufferBytes?: number;
  /** recvmmsg messages per batch, 64 KiB of buffer each. Default 32. */
  messages?: number;
  /** Use UDP GSO on send and GRO on receive where the kernel has them. Default true. */
  offload?: boolean;
}

const UDP_WINDOW = 65536;
const GRO_MAX_SEGMENTS = 64;
const PORT_TRIES = 100;

interface Opened {
  readonly handle: UdpHandle;
  readonly port: number;
}

interface Socket {
  readonly family: 4 | 6;
  readonly handle: UdpHandle;
}

export type SocketInfo = UdpInfo & { family: 4 | 6; stats: UdpStats };

export class AddonBind implements Bind {
  readonly #native: NativeIo;
  readonly #options: Required<AddonBindOptions>;
  readonly #errorListeners = new Set<(error: ErrnoError) => void>();
  #v4: Socket | undefined;
  #v6: Socket | undefined;
  #port = 0;
  #mark = 0;
  #started = false;

  /** `native` is for tests of the port and family policy; the addon otherwise. */
  constructor(options: AddonBindOptions = {}, native: NativeIo = loadAddon()) {
    this.#native = native;
    this.#options = {
      sendBufferBytes: checkCount('sendBufferBytes', options.sendBufferBytes ?? 7 << 20, 0, 1 << 30),
      receiveBufferBytes: checkCount('receiveBufferBytes', options.receiveBufferBytes ?? 2 << 20, 0, 1 << 30),
      messages: checkCount('messages', options.messages ?? 32, 1, 64),
      offload: options.offload ?? true,
    };
  }

  get port(): number {
    return this.#port;
  }

  open(port: number): number {
    checkCount('port', port, 0, 65535);
    if (this.#v4 !== undefined || this.#v6 !== undefined) throw errnoError('EALREADY', 'open', 'bind is open');
    for (let tries = 0; ; tries++) {
      const v4 = this.#openFamily(4, port);
      const chosen = v4?.port ?? port;
      let v6: Opened | undefined;
      try {
        v6 = this.#openFamily(6, chosen);
      } catch (error) {
        if (v4 !== undefined) void this.#native.udpClose(v4.handle);
        if (port === 0 && tries < PORT_TRIES && isErrnoError(error, 'EADDRINUSE')) continue;
        throw error;
      }
      if (v4 === undefined && v6 === undefined) throw errnoError('EAFNOSUPPORT', 'socket', 'neither IPv4 nor IPv6');
      this.#v4 = v4 && { family: 4, handle: v4.handle };
      this.#v6 = v6 && { family: 6, handle: v6.handle };
      this.#port = v4?.port ?? v6!.port;
      this.#started = false;
      for (const socket of this.#sockets()) {
        if (!this.#options.offload) this.#native.udpSetOffload(socket.handle, false, false);
        if (this.#mark !== 0) this.#native.udpSetMark(socket.handle, this.#mark);
      }
      return this.#port;
    }
  }

  /** undefined when the system has no such family. */
  #openFamily(family: 4 | 6, port: number): Opened | undefined {
    try {
      return this.#native.udpOpen(family, port, this.#options.sendBufferBytes, this.#options.receiveBufferBytes);
    } catch (error) {
      if (isErrnoError(error, 'EAFNOSUPPORT')) return undefined;
      throw error;
    }
  }

  start(onBatch: (batch: DatagramBatch) => void): void {
    const sockets = this.#sockets();
    if (sockets.length === 0) throw errnoError('EBADF', 'start', 'bind is not open');
    if (this.#started) throw new Error('start() was already called for this open()');
    this.#started = true;
    const { messages } = this.#options;
    for (const socket of sockets) {
      const slot = createDatagramBatch(messages * GRO_MAX_SEGMENTS, messages * UDP_WINDOW);
      const onFatal = (error: ErrnoError): void => {
        for (const listener of [...this.#errorListeners]) listener(error);
      };
      this.#native.udpStart(socket.handle, slot, slotCallback(slot, onBatch, onFatal));
    }
  }

  sendBatch(batch: DatagramBatch): number {
    const v4 = this.#v4?.handle ?? null;
    const v6 = this.#v6?.handle ?? null;
    if (v4 === null && v6 === null) throw errnoError('EBADF', 'sendmmsg', 'bind is not open');
    return this.#native.udpSend(v4, v6, batch.buffer, batch.offsets, batch.lengths, batch.endpoints, batch.count);
  }

  setMark(mark: number): void {
    checkCount('mark', mark, 0, 0xffffffff);
    for (const socket of this.#sockets()) this.#native.udpSetMark(socket.handle, mark);
    this.#mark = mark;
  }

  /** What the kernel says about each open socket, with its counters. */
  sockets(): SocketInfo[] {
    return this.#sockets().map((socket) => ({
      family: socket.family,
      ...this.#native.udpInfo(socket.handle),
      stats: this.#native.udpStats(socket.handle),
    }));
  }

  onError(listener: (error: ErrnoError) => void): () => void {
    this.#errorListeners.add(listener);
    return () => this.#errorListeners.delete(listener);
  }

  async close(): Promise<void> {
    const sockets = this.#sockets();
    this.#v4 = undefined;
    this.#v6 = undefined;
    this.#port = 0;
    await Promise.all(sockets.map((socket) => this.#native.udpClose(socket.handle)));
  }

  #sockets(): Socket[] {
    return [this.#v4, this.#v6].filter((socket): socket is Socket => socket !== undefined);
  }
}

export function createBind(options: AddonBindOptions = {}): AddonBind {
  return new AddonBind(options);
}
