import { createSecretKey, type KeyObject } from 'node:crypto'
import { DATA_HEADER_BYTES, writeDataHeader } from '../wire/link-packets.js'
import { hkdf, open, sealPieces } from './link-crypto.js'
import { ReplayWindow } from './replay-window.js'

/**
 * Per-direction packet protection of an established session.
 *
 * Each direction has a chain of keys, one per epoch: key(e+1) =
 * HKDF(key(e), "tornet link rekey"). The sender moves to the next epoch after
 * `rekeyBytes` bytes or `rekeyMs` milliseconds and erases the old key, which
 * keeps a long session forward secret. The epoch travels in every DATA header,
 * so the receiver knows which key to use even when packets from two epochs
 * arrive interleaved; it keeps superseded epochs for a grace period (at most
 * MAX_EPOCHS_BEHIND of them) for late packets, and derives
 * at most MAX_EPOCHS_AHEAD keys forward, only committing to a new epoch once a
 * packet of it has authenticated (a forged header cannot make it rotate).
 */
export const MAX_EPOCHS_AHEAD = 16
/** At most this many superseded epochs are kept for late packets (each for a grace period). */
export const MAX_EPOCHS_BEHIND = 32
/** Beyond this counter a direction must rotate (far below 2^64; keeps u64 in safe integers). */
export const MAX_COUNTER = 2 ** 40

export interface RekeyPolicy { rekeyBytes: number, rekeyMs: number }

function nextKey (key: Buffer): Buffer {
  return hkdf(key, Buffer.alloc(0), 'tornet link rekey', 32)
}

export class SendCipher {
  private epoch = 0
  private counter = 0
  private bytes = 0
  private key: Buffer
  private keyObject: KeyObject
  private epochStart: number

  constructor (key: Buffer, private readonly receiverIndex: number, private readonly policy: RekeyPolicy, private readonly now: () => number) {
    this.key = key
    this.keyObject = createSecretKey(key)
    this.epochStart = now()
  }

  get currentEpoch (): number { return this.epoch }

  /** One DATA datagram carrying `plaintext`, joined (sealPieces is what the session sends). */
  seal (plaintext: Uint8Array): Buffer {
    return Buffer.concat(this.sealPieces([plaintext]))
  }

  /**
   * One DATA datagram for a plaintext given in pieces (their concatenation), as
   * pieces (header, ciphertexts, tag) for a scatter/gather send: neither the
   * plaintext nor the datagram is ever joined.
   */
  sealPieces (pieces: readonly Uint8Array[]): Buffer[] {
    this.maybeRotate()
    const header = Buffer.allocUnsafe(DATA_HEADER_BYTES)
    writeDataHeader(header, this.receiverIndex, this.epoch, this.counter)
    const sealed = sealPieces(this.keyObject, this.epoch, this.counter, header, pieces)
    let length = DATA_HEADER_BYTES
    for (const b of sealed) length += b.length
    this.counter++
    this.bytes += length
    sealed.unshift(header)
    return sealed
  }

  private maybeRotate (): void {
    if (this.bytes >= this.policy.rekeyBytes || this.counter >= MAX_COUNTER || this.now() - this.epochStart >= this.policy.rekeyMs) {
      this.rotate()
    }
  }

  private rotate (): void {
    const k = nextKey(this.key)
    this.key.fill(0)
    this.key = k
    this.keyObject = createSecretKey(k)
    this.epoch = (this.epoch + 1) >>> 0
    this.counter = 0
    this.bytes = 0
    this.epochStart = this.now()
  }
}

interface EpochState { key: Buffer, keyObject: KeyObject, window: ReplayWindow, retiredAt?: number }

export type OpenResult = { ok: true, plaintext: Buffer, rotated: boolean } | { ok: false, reason: 'stale-epoch' | 'future-epoch' | 'replay' | 'bad-mac' }

export class RecvCipher {
  private current = 0
  private readonly epochs = new Map<number, EpochState>()

  /** `graceMs`: how long a superseded epoch still opens late packets. */
  constructor (key: Buffer, private readonly now: () => number = Date.now, private readonly graceMs = 3000) {
    this.epochs.set(0, state(key))
  }

  get currentEpoch (): number { return this.current }

  /** Authenticates and decrypts one DATA packet (header = its first 18 bytes). */
  open (header: Uint8Array, epoch: number, counter: number, sealed: Uint8Array): OpenResult {
    if (epoch > this.current + MAX_EPOCHS_AHEAD) return { ok: false, reason: 'future-epoch' }
    const st = this.stateFor(epoch)
    if (st === undefined) return { ok: false, reason: 'stale-epoch' }
    if (st.retiredAt !== undefined && this.now() - st.retiredAt > this.graceMs) { this.erase(epoch); return { ok: false, reason: 'stale-epoch' } }
    if (!st.window.check(counter)) return { ok: false, reason: 'replay' }
    const plaintext = open(st.keyObject, epoch, counter, header, sealed)
    if (plaintext === undefined) return { ok: false, reason: 'bad-mac' }
    st.window.accept(counter)
    if (epoch <= this.current) return { ok: true, plaintext, rotated: false }
    this.current = epoch
    const t = this.now()
    for (const [e, s] of this.epochs) {
      if (e < epoch && s.retiredAt === undefined) s.retiredAt = t
    }
    // Bound what is kept however fast the peer rotates: the oldest go first.
    let kept = 0
    for (const e of this.epochs.keys()) if (e < epoch) kept++
    for (const e of [...this.epochs.keys()].sort((x, y) => x - y)) {
      if (kept <= MAX_EPOCHS_BEHIND) break
      this.erase(e)
      kept--
    }
    return { ok: true, plaintext, rotated: true }
  }

  private erase (epoch: number): void {
    const s = this.epochs.get(epoch)
    if (s === undefined) return
    s.key.fill(0)
    this.epochs.delete(epoch)
  }

  private stateFor (epoch: number): EpochState | undefined {
    let st = this.epochs.get(epoch)
    if (st !== undefined) return st
    // Derive forward from the newest key we hold; uncommitted keys stay cached (bounded by MAX_EPOCHS_AHEAD).
    let top = -1
    for (const e of this.epochs.keys()) if (e > top) top = e
    if (top < 0 || epoch < top) return undefined
    let key = (this.epochs.get(top) as EpochState).key
    for (let e = top + 1; e <= epoch; e++) {
      key = nextKey(key)
      st = state(key)
      this.epochs.set(e, st)
    }
    return st
  }
}

function state (key: Buffer): EpochState {
  return { key, keyObject: createSecretKey(key), window: new ReplayWindow() }
}
