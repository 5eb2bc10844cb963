/*
 * The data path of one tunnel: the engine driven by the I/O layer's batches.
 *
 *   Tun batch  -> device.send() per packet (sealed in place in the batch buffer) -> datagrams collected -> one sendBatch
 *   Bind batch -> device.receive() per datagram (opened in place) -> device.flush() (handshakes)
 *              -> packets collected -> one writeBatch; any datagrams (responses, keepalives) -> one sendBatch
 *   one timer  -> armed for device.nextDeadline(), so an idle tunnel sleeps; device.tick() when it fires
 *   the TUN's MTU -> read at most once a second while packets come from it, and told to the device (padding)
 *
 * The device's outputs arrive through this object as its DeviceSink and gather in an Outbox per direction: in
 * place when they lie in the batch being handled (a packet sealed or opened where it arrived), copied otherwise.
 * Nothing is allocated per packet; a full batch is flushed early.
 */
import type { Device } from '../engine/device.js';
import { type DeviceSink, SEND_HEADROOM, SEND_TAILROOM } from '../engine/device-types.js';
import { ENDPOINT_SIZE } from '../engine/endpoint.js';
import type { Bind } from './bind.js';
import { Outbox } from './outbox.js';
import type { DatagramBatch, PacketBatch } from './packet-batch.js';
import type { Tun } from './tun.js';

const BATCH_PACKETS = 512;
/** Room per packet: the largest datagram of a 1500-byte-MTU path. */
const PACKET_ROOM = 1536;
/** How late by the engine's clock an armed timer may be before a batch takes it for one a sleep delayed. */
const OVERDUE_MS = 1000;
/**
 * How often, at most, the TUN's MTU is read while packets come from it. The kernel reads the MTU per packet; the
 * engine needs it only to clamp the padding and sends whatever the interface let through, so an `ip link set mtu`
 * works at once and the padding follows within this.
 */
const MTU_CHECK_MS = 1000;

export class DataPath implements DeviceSink {
  private readonly device: Device;
  private readonly tun: Tun;
  private bind: Bind;
  private readonly clock: () => number;
  private readonly toNet: Outbox;
  private readonly toTun: Outbox;
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  private stopped = false;
  private mtuCheckAt = -Infinity;

  constructor(device: Device, tun: Tun, bind: Bind, clock: () => number, onError: (error: Error) => void) {
    // The engine seals each packet in place in the Tun's batch: header before it, padding and tag after it.
    if (!(tun.headroom >= SEND_HEADROOM && tun.tailroom >= SEND_TAILROOM)) {
      throw new RangeError(
        `${tun.name} leaves ${tun.headroom} bytes before and ${tun.tailroom} after each packet; the engine needs ${SEND_HEADROOM} and ${SEND_TAILROOM}`,
      );
    }
    this.device = device;
    this.tun = tun;
    this.bind = bind;
    this.clock = clock;
    const room = BATCH_PACKETS * PACKET_ROOM;
    this.toNet = new Outbox((batch) => this.bind.sendBatch(batch), onError, BATCH_PACKETS, room);
    this.toTun = new Outbox((batch) => this.tun.writeBatch(batch), onError, BATCH_PACKETS, room);
  }

  start(): void {
    this.tun.start((batch) => this.fromTun(batch));
    this.bind.start((batch) => this.fromNetwork(batch));
    this.rearm(this.clock());
  }

  /**
   * Moves the network side to `next`, already open on its new port (a UAPI listen_port change): datagrams go out
   * through it from now on. Returns the old one for the caller to close; a batch it still delivers meanwhile is
   * handled as any other. Opening first, as wireguard-go's BindUpdate does, leaves a tunnel whose new port is
   * taken exactly as it was.
   */
  replaceBind(next: Bind): Bind {
    const old = this.bind;
    this.toNet.flush();
    this.bind = next;
    if (!this.stopped) next.start((batch) => this.fromNetwork(batch));
    return old;
  }

  /** Stops the timer; batches that still arrive are dropped. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Runs a control operation (up, resume, a UAPI set) that may emit, then sends what it produced. */
  run(operation: (now: number, sink: DeviceSink) => void): void {
    const now = this.clock();
    this.catchUp(now);
    operation(now, this);
    this.flush(now);
  }

  private fromTun(batch: PacketBatch): void {
    if (this.stopped) return;
    const now = this.clock();
    this.catchUp(now);
    if (now >= this.mtuCheckAt) this.followMtu(now);
    const { buffer, offsets, lengths } = batch;
    this.toNet.lend(buffer);
    try {
      // count never exceeds the batch's capacity, the length of offsets and lengths.
      for (let i = 0; i < batch.count; i++) this.device.send(buffer, offsets[i]!, lengths[i]!, now, this);
    } finally {
      this.toNet.end();
      this.flush(now);
    }
  }

  private fromNetwork(batch: DatagramBatch): void {
    if (this.stopped) return;
    const now = this.clock();
    this.catchUp(now);
    const { buffer, offsets, lengths, endpoints } = batch;
    this.toTun.lend(buffer);
    try {
      for (let i = 0; i < batch.count; i++) {
        this.device.receive(buffer, offsets[i]!, lengths[i]!, endpoints, i * ENDPOINT_SIZE, now, this);
      }
      this.device.flush(now, this);
    } finally {
      this.toTun.end();
      this.flush(now);
    }
  }

  /** The device's MTU as the TUN's is now (see MTU_CHECK_MS). */
  private followMtu(now: number): void {
    this.mtuCheckAt = now + MTU_CHECK_MS;
    let mtu: number;
    try {
      mtu = this.tun.mtu;
    } catch {
      return; // the interface is going away; its close is reported elsewhere
    }
    if (mtu !== this.device.mtu) this.device.setMtu(mtu);
  }

  sendDatagram(endpoint: Uint8Array, buf: Uint8Array, off: number, len: number): void {
    this.toNet.add(buf, off, len, endpoint);
  }

  writeTun(buf: Uint8Array, off: number, len: number): void {
    this.toTun.add(buf, off, len, null);
  }

  private flush(now: number): void {
    this.toNet.flush();
    this.toTun.flush();
    this.rearm(now);
  }

  /**
   * One timer for the whole device, only ever moved earlier. Every packet pushes a keepalive or handshake
   * deadline later; the armed timer then fires early, tick() finds nothing due and this sets it again. Moving a
   * Node timer (clearTimeout + setTimeout) per batch cost ~50 us of an idle packet's ~250 us on this VM.
   */
  private rearm(now: number): void {
    if (this.stopped) return;
    const next = this.device.nextDeadline();
    if (this.timer !== null && this.timerAt <= next) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = next;
    if (next === Infinity) return;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.timerAt = Infinity;
        if (this.stopped) return;
        const at = this.clock();
        this.device.tick(at, this);
        this.flush(at);
      },
      Math.max(0, Math.ceil(next - now)),
    );
  }

  /**
   * The engine's clock counts time asleep (boot time) and Node's timers do not (CLOCK_MONOTONIC): a timer armed
   * before a sleep fires its remaining delay after the wake, however long the night was. So a batch (or a control
   * operation) that finds the armed timer more than OVERDUE_MS past its time by the engine's clock runs it first:
   * what expired in the night (keys to zero, a handshake given up) goes before what the batch starts, or a key
   * wiped late would take the new handshake's state with it. Not while handshake messages wait in the queue: their
   * deadline is always due, and a flood must get one budget of them per batch, not two (see HANDSHAKES_PER_FLUSH).
   */
  private catchUp(now: number): void {
    if (this.timer === null || this.timerAt + OVERDUE_MS >= now || this.device.hasPendingHandshakes()) return;
    clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = Infinity;
    this.device.tick(now, this);
  }
}
