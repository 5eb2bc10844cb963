/*
 * Transport keypairs and the three slots a peer keeps them in (the kernel's noise_keypairs):
 * `current` sends and receives; `previous` still receives packets in flight from before a rekey; `next` is a
 * responder's fresh keypair, used for receiving only until the initiator's first packet on it confirms it,
 * at which point it becomes current (kernel wg_noise_received_with_keypair).
 */
import { DOUBLE_FIELD } from './double-fields.js';
import { ReplayWindow } from './replay.js';

export class Keypair {
  readonly sendKey = new Uint8Array(32);
  readonly receiveKey = new Uint8Array(32);
  /** Next counter to send with. */
  sendCounter = 0;
  readonly replay = new ReplayWindow();
  /** Our index: the receiver index the peer puts in its packets to us. */
  localIndex = DOUBLE_FIELD;
  /** The peer's index: what we put in our packets to it. */
  remoteIndex = DOUBLE_FIELD;
  /** Monotonic ms at derivation. */
  createdAt = DOUBLE_FIELD;
  isInitiator = false;
  /** False once wiped: a wiped keypair is never used again, whoever still holds it. */
  valid = true;
  /**
   * False once it may no longer send (the kernel's sending.is_valid): a new private key expires the keypairs in
   * use (wg_noise_expire_current_peer_keypairs), while packets already in flight to us on them still open.
   */
  canSend = true;

  constructor() {
    // Created as doubles above, so that an index at or above 2^31 keeps the map (double-fields.ts).
    this.localIndex = 0;
    this.remoteIndex = 0;
    this.createdAt = 0;
  }

  /** Zeroes the keys and hands the replay window's ring back; the keypair is dead from here on. */
  wipe(): void {
    this.sendKey.fill(0);
    this.receiveKey.fill(0);
    this.valid = false;
    this.replay.release();
  }
}

/**
 * The keypairs one operation displaced (never more than three), for the device to unregister and wipe. Fixed
 * slots, not an array that grows and shrinks: emptying an array can drop its storage, and every handshake
 * displaces a keypair.
 */
export class DisplacedKeypairs {
  private readonly slots: (Keypair | null)[] = [null, null, null];
  private count = 0;

  add(keypair: Keypair | null): void {
    if (keypair !== null) this.slots[this.count++] = keypair;
  }

  /** Removes and returns one, or null when none is left. */
  take(): Keypair | null {
    if (this.count === 0) return null;
    // add stores only keypairs, below count, so this slot holds one.
    const keypair = this.slots[--this.count]!;
    this.slots[this.count] = null;
    return keypair;
  }
}

export class Keypairs {
  current: Keypair | null = null;
  previous: Keypair | null = null;
  next: Keypair | null = null;

  /**
   * Installs a freshly derived keypair. An initiator uses it at once; a responder parks it in `next` until
   * the initiator proves it has it. Returns the keypairs displaced, for the caller to unregister and wipe.
   */
  add(keypair: Keypair, displaced: DisplacedKeypairs): void {
    if (keypair.isInitiator) {
      if (this.next) {
        // A pending responder keypair loses to our own newer one; the old current is dropped, as the kernel does.
        push(displaced, this.previous);
        push(displaced, this.current);
        this.previous = this.next;
        this.next = null;
      } else {
        push(displaced, this.previous);
        this.previous = this.current;
      }
      this.current = keypair;
    } else {
      push(displaced, this.next);
      push(displaced, this.previous);
      this.next = keypair;
      this.previous = null;
    }
  }

  /**
   * Called for every authenticated packet: receiving on `next` confirms it. Returns true when that happened
   * (the handshake is then complete for a responder), with the displaced previous keypair in `displaced`.
   */
  receivedWith(keypair: Keypair, displaced: DisplacedKeypairs): boolean {
    if (keypair !== this.next) return false;
    push(displaced, this.previous);
    this.previous = this.current;
    this.current = this.next;
    this.next = null;
    return true;
  }

  /** Removes and returns every keypair, for the caller to unregister and wipe. */
  clear(displaced: DisplacedKeypairs): void {
    push(displaced, this.current);
    push(displaced, this.previous);
    push(displaced, this.next);
    this.current = this.previous = this.next = null;
  }

  /** The keypair with this local index, if it is one of ours. */
  find(localIndex: number): Keypair | null {
    if (this.current?.localIndex === localIndex) return this.current;
    if (this.previous?.localIndex === localIndex) return this.previous;
    if (this.next?.localIndex === localIndex) return this.next;
    return null;
  }
}

function push(displaced: DisplacedKeypairs, keypair: Keypair | null): void {
  displaced.add(keypair);
}
