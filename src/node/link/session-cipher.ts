import { AEAD_TAG_BYTES, aeadOpenDetached, aeadSealDetached } from '../crypto/aead.js'
import { DATA_HEADER_BYTES, writeDataHeader } from '../wire/link-packets.js'
import { hkdf } from './link-crypto.js'
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
 *
 * The AEAD is ChaCha20-Poly1305 with nonce epoch u32 LE ‖ counter u64 LE and
 * the 18-byte DATA header as AAD, through libsodium's one-shot call (aead.ts):
 * per packet, creating a node:crypto cipher object cost ≈ 6× the encryption.
 * A datagram is built in one buffer (header ‖ ciphertext ‖ tag), encrypted in
 * place; a received one is decrypted in place (the transport hands its buffer
 * over), so neither direction allocates beyond the datagram itself.
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
  private epochStart: number

  constructor (key: Buffer, private readonly receiverIndex: number, private readonly policy: RekeyPolicy, private readonly now: () => number) {
    this.key = key
    this.epochStart = now()
  }

  get currentEpoch (): number { return this.epoch }

  /** One DATA datagram carrying `plaintext`. */
  seal (plaintext: Uint8Array): Buffer {
    return this.sealDatagram([plaintext])
  }

  /** sealDatagram's datagram as a one-element list (the older scatter/gather form). */
  sealPieces (pieces: readonly Uint8Array[]): Buffer[] {
    return [this.sealDatagram(pieces)]
  }

  /**
   * One DATA datagram for a plaintext given in pieces (their concatenation):
   * the pieces are copied once, into the datagram, and encrypted there.
   */
  sealDatagram (pieces: readonly Uint8Array[]): Buffer {
    this.maybeRotate()
    let n = 0
    for (const p of pieces) n += p.length
    const length = DATA_HEADER_BYTES + n + AEAD_TAG_BYTES
    const out = datagramBuffer(length)
    // Header and tag go through fixed scratch buffers and are copied in: two views fewer per packet.
    writeDataHeader(headerScratch, this.receiverIndex, this.epoch, this.counter)
    out.set(headerScratch, 0)
    let at = DATA_HEADER_BYTES
    for (const p of pieces) { out.set(p, at); at += p.length }
    const body = out.subarray(DATA_HEADER_BYTES, at)
    aeadSealDetached(this.key, nonce(this.epoch, this.counter), body, headerScratch, body, tagScratch)
    out.set(tagScratch, at)
    this.counter++
    this.bytes += length
    return out
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
    this.epoch = (this.epoch + 1) >>> 0
    this.counter = 0
    this.bytes = 0
    this.epochStart = this.now()
  }
}

interface EpochState { key: Buffer, window: ReplayWindow, retiredAt?: number }

export type OpenResult = { ok: true, plaintext: Buffer, rotated: boolean } | { ok: false, reason: 'stale-epoch' | 'future-epoch' | 'replay' | 'bad-mac' }

export class RecvCipher {
  private current = 0
  private readonly epochs = new Map<number, EpochState>()

  /** `graceMs`: how long a superseded epoch still opens late packets. */
  constructor (key: Buffer, private readonly now: () => number = Date.now, private readonly graceMs = 3000) {
    this.epochs.set(0, state(key))
  }

  get currentEpoch (): number { return this.current }

  /**
   * Authenticates and decrypts one DATA packet (header = its first 18 bytes),
   * in place: the plaintext is a view of `sealed`. On failure `sealed` may be
   * changed (libsodium checks the tag before writing, but callers must not rely
   * on it), so a packet is dropped, never passed on, once opening failed.
   */
  open (header: Uint8Array, epoch: number, counter: number, sealed: Uint8Array): OpenResult {
    if (epoch > this.current + MAX_EPOCHS_AHEAD) return { ok: false, reason: 'future-epoch' }
    const st = this.stateFor(epoch)
    if (st === undefined) return { ok: false, reason: 'stale-epoch' }
    if (st.retiredAt !== undefined && this.now() - st.retiredAt > this.graceMs) { this.erase(epoch); return { ok: false, reason: 'stale-epoch' } }
    if (!st.window.check(counter)) return { ok: false, reason: 'replay' }
    if (sealed.length < AEAD_TAG_BYTES) return { ok: false, reason: 'bad-mac' }
    const n = sealed.length - AEAD_TAG_BYTES
    const plaintext = Buffer.from(sealed.buffer, sealed.byteOffset, n)
    for (let i = 0; i < AEAD_TAG_BYTES; i++) tagScratch[i] = sealed[n + i]
    if (!aeadOpenDetached(st.key, nonce(epoch, counter), plaintext, header, tagScratch, plaintext)) return { ok: false, reason: 'bad-mac' }
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
  return { key, window: new ReplayWindow() }
}

/** Scratch for one call at a time (libsodium reads and writes them during the call only). */
const headerScratch = Buffer.alloc(DATA_HEADER_BYTES)
const tagScratch = Buffer.alloc(AEAD_TAG_BYTES)

/**
 * Outgoing datagrams are carved from a shared 64 KiB slab, as Buffer.allocUnsafe
 * carves from its 8 KiB pool: one ArrayBuffer per ~54 datagrams of 1,200 bytes
 * instead of one per 6 (creating an ArrayBuffer costs microseconds, and the GC
 * tracks each). A slab stays alive while any datagram cut from it does; the
 * transport does not keep them (the kernel copies a datagram on send). Under
 * 128 KiB, so malloc does not mmap each slab.
 */
const SLAB_BYTES = 64 * 1024
let slab = Buffer.allocUnsafeSlow(SLAB_BYTES)
let slabUsed = 0
function datagramBuffer (length: number): Buffer {
  if (length > SLAB_BYTES / 4) return Buffer.allocUnsafeSlow(length)
  if (slabUsed + length > SLAB_BYTES) { slab = Buffer.allocUnsafeSlow(SLAB_BYTES); slabUsed = 0 }
  const out = slab.subarray(slabUsed, slabUsed + length)
  slabUsed += (length + 7) & ~7
  return out
}

/** 96-bit nonce: epoch u32 LE ‖ counter u64 LE. One scratch buffer: libsodium reads it during the call. */
const nonceScratch = Buffer.alloc(12)
function nonce (epoch: number, counter: number): Buffer {
  nonceScratch.writeUInt32LE(epoch >>> 0, 0)
  nonceScratch.writeUInt32LE(counter % 0x100000000, 4)
  nonceScratch.writeUInt32LE(Math.floor(counter / 0x100000000), 8)
  return nonceScratch
}
