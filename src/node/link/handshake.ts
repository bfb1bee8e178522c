import { sha256 } from '../crypto/hash.js'
import { NS, namespaced } from '../crypto/namespaces.js'
import { type Identity, nodeIdOf, rankOf } from '../identity/identity.js'
import {
  decodeIkInitPayload, decodeIkRespPayload, decodeXxFinPayload, decodeXxRespPayload, encodeIkInitPayload,
  encodeIkRespPayload, encodeLinkPacket, encodeXxFinPayload, encodeXxRespPayload, FIN_AAD_BYTES, INIT_AAD_BYTES,
  type IkInit, type IkResp, PacketType, RefuseReason, RESP_AAD_BYTES, type XxFin, type XxInit, type XxResp
} from '../wire/link-packets.js'
import { tryDecode } from '../wire/codec.js'
import { LinkError, LinkErrorCode, refuseReasonOf } from './errors.js'
import {
  ed25519PublicToX25519, ed25519SecretToX25519, generateX25519, hkdf, open, seal, verifySignature, type X25519KeyPair, x25519
} from './link-crypto.js'

/**
 * The link handshake, pure: functions from packets to packets and keys, no I/O,
 * no timers (the link retransmits and times out). Two patterns:
 *
 * IK (the initiator knows the responder's ed25519 key from a contact record),
 * one round trip, may carry the first request and its response:
 *   → IK_INIT  e_i, seal(k0; pub_i, nonce_i, time, sig_i, frames)
 *               es = X25519(e_i, mont(pub_r));  h1 = H(h0, pub_r, e_i);  k0 = HKDF(es, h1)
 *               sig_i = Sign(NS.handshake, "ik-i", h1)
 *   ← IK_RESP  e_r, seal(k_resp; nonce_r, sig_r, frames)
 *               ee = X25519(e_r, e_i);  h2 = H(h1, pub_i, e_r);  sig_r = Sign(NS.handshake, "ik-r", h2)
 *               k_resp ‖ k_i→r ‖ k_r→i = HKDF(es ‖ ee, h2)
 * XX (only an endpoint is known), one and a half round trips:
 *   → XX_INIT  e_i                                h1 = H(h0, e_i)
 *   ← XX_RESP  e_r, seal(k2; pub_r, nonce_r, sig_r) ee; h2 = H(h1, e_r); k2 = HKDF(ee, h2); sig_r over h2
 *   → XX_FIN   seal(k3; pub_i, nonce_i, sig_i, frames)  h3 = H(h2, pub_r); k3 = HKDF(ee, h3); sig_i over h3
 *               k_i→r ‖ k_r→i = HKDF(ee, H(h3, pub_i))
 *
 * Session keys always depend on ee, so recording traffic and later stealing
 * either identity key reveals nothing (forward secrecy); only the 0-RTT frames
 * of IK_INIT are protected by es alone, as in Noise IK. Each side checks the
 * other's signature, its rank (leading zero bits of SHA-256(pub ‖ nonce)) against
 * its minimum, and the initiator checks id = SHA-256(pub_r) against the id it
 * expected. Sealed handshake parts use epoch 0, counter 0 of their one-time key.
 */

const PROTOCOL = Buffer.from('tornet link v1')
const h0 = { ik: sha256(PROTOCOL, Buffer.from([1])), xx: sha256(PROTOCOL, Buffer.from([2])) }
const LABEL = {
  ikInit: Buffer.from('ik-i'),
  ikResp: Buffer.from('ik-r'),
  xxResp: Buffer.from('xx-r'),
  xxFin: Buffer.from('xx-i')
}

export type Pattern = 'ik' | 'xx'

/** Initiator states and which packet types each accepts (everything else is dropped). */
export type InitiatorState = 'init-sent' | 'established' | 'failed'
export const INITIATOR_ACCEPTS: Readonly<Record<InitiatorState, readonly number[]>> = {
  'init-sent': [PacketType.IK_RESP, PacketType.XX_RESP, PacketType.COOKIE, PacketType.REFUSE],
  established: [],
  failed: []
}
/** Which response type each pattern expects. */
export const PATTERN_RESPONSE: Readonly<Record<Pattern, number>> = { ik: PacketType.IK_RESP, xx: PacketType.XX_RESP }

/** What each side needs of its own identity: keys, and a fast signer. */
export interface LocalKeys {
  identity: Identity
  sign: (message: Uint8Array) => Buffer
  /** X25519 form of the identity key (for IK as responder). */
  staticX: X25519KeyPair
}

export function localKeys (identity: Identity, sign: (m: Uint8Array) => Buffer): LocalKeys {
  return { identity, sign, staticX: ed25519SecretToX25519(identity.secretKey) }
}

export interface PeerProof { publicKey: Buffer, rankNonce: Buffer, id: Buffer, rank: number }

export interface HandshakeOutcome {
  peer: PeerProof
  remoteIndex: number
  sendKey: Buffer
  recvKey: Buffer
  /** Frame bytes that came with the handshake (0-RTT request or first response). */
  frames: Buffer
  pattern: Pattern
}

export type InitiatorStep =
  | { kind: 'established', outcome: HandshakeOutcome, send?: Buffer }
  | { kind: 'failed', error: LinkError, send?: Buffer }
  | { kind: 'ignored', reason: string }

export interface InitiatorOptions {
  pattern: Pattern
  localIndex: number
  /** Required for IK. */
  remotePublicKey?: Buffer
  expectedId?: Buffer
  minRank: number
  /** Encoded channel frames to carry in IK_INIT (0-RTT). */
  frames?: Buffer
  /** Datagram size the init is padded to (≥ MIN_INIT_BYTES). */
  datagramSize: number
  now: () => number
  /** Fixed ephemeral (golden-bytes tests); a fresh one otherwise. */
  ephemeral?: X25519KeyPair
}

export class InitiatorHandshake {
  state: InitiatorState = 'init-sent'
  readonly ephemeral: X25519KeyPair
  private readonly h1: Buffer
  private es?: Buffer
  private sealedInit?: Buffer

  constructor (private readonly local: LocalKeys, private readonly opts: InitiatorOptions) {
    this.ephemeral = opts.ephemeral ?? generateX25519()
    if (opts.pattern === 'ik') {
      const pub = opts.remotePublicKey
      if (pub === undefined || pub.length !== 32) throw new LinkError(LinkErrorCode.BAD_ARGUMENT, 'IK handshake needs the responder public key')
      this.h1 = sha256(h0.ik, pub, this.ephemeral.publicKey)
    } else {
      this.h1 = sha256(h0.xx, this.ephemeral.publicKey)
    }
  }

  get pattern (): Pattern { return this.opts.pattern }

  /**
   * The init datagram (same bytes on every retransmission, only the cookie may
   * change). For IK, throws KEY_MISMATCH if the responder key is not a valid point.
   */
  initPacket (cookie: Buffer = Buffer.alloc(0)): Buffer {
    const o = this.opts
    if (o.pattern === 'xx') {
      return encodeLinkPacket({ type: PacketType.XX_INIT, senderIndex: o.localIndex, ephemeral: this.ephemeral.publicKey, cookie }, o.datagramSize)
    }
    if (this.sealedInit === undefined) {
      const mont = ed25519PublicToX25519(o.remotePublicKey as Buffer)
      const es = mont === undefined ? undefined : x25519(this.ephemeral.privateKey, mont)
      if (es === undefined) throw new LinkError(LinkErrorCode.KEY_MISMATCH, 'the contact\'s public key is not a valid ed25519 key')
      this.es = es
      const k0 = hkdf(es, this.h1, 'tornet ik init', 32)
      const payload = encodeIkInitPayload({
        publicKey: this.local.identity.publicKey,
        rankNonce: this.local.identity.nonce,
        timestampMs: Math.max(0, Math.floor(o.now())),
        signature: this.local.sign(namespaced(NS.handshake, LABEL.ikInit, this.h1)),
        frames: o.frames ?? Buffer.alloc(0)
      })
      this.sealedInit = seal(k0, 0, 0, initAad(PacketType.IK_INIT, o.localIndex, this.ephemeral.publicKey), payload)
    }
    return encodeLinkPacket({ type: PacketType.IK_INIT, senderIndex: o.localIndex, ephemeral: this.ephemeral.publicKey, cookie, sealed: this.sealedInit }, o.datagramSize)
  }

  /**
   * Feeds the responder's answer (IK_RESP or XX_RESP). For XX, `finFrames`
   * supplies the frames to carry in XX_FIN (asked only once the response checks out).
   */
  onResponse (p: IkResp | XxResp, finFrames?: () => Buffer): InitiatorStep {
    if (this.state !== 'init-sent') return { kind: 'ignored', reason: 'handshake already finished' }
    if (p.type !== PATTERN_RESPONSE[this.opts.pattern]) return { kind: 'ignored', reason: 'response of the other pattern' }
    const ee = x25519(this.ephemeral.privateKey, p.ephemeral)
    if (ee === undefined) return { kind: 'ignored', reason: 'bad responder ephemeral' }
    return p.type === PacketType.IK_RESP ? this.onIkResp(p, ee) : this.onXxResp(p, ee, finFrames)
  }

  private onIkResp (p: IkResp, ee: Buffer): InitiatorStep {
    const o = this.opts
    const h2 = sha256(this.h1, this.local.identity.publicKey, p.ephemeral)
    const keys = hkdf(Buffer.concat([this.es as Buffer, ee]), h2, 'tornet ik session', 96)
    const plain = open(keys.subarray(0, 32), 0, 0, respAad(p), p.sealed)
    if (plain === undefined) return { kind: 'ignored', reason: 'IK_RESP does not authenticate' }
    const payload = tryDecode(decodeIkRespPayload, plain)
    if (payload === undefined) return { kind: 'ignored', reason: 'malformed IK_RESP payload' }
    const pub = o.remotePublicKey as Buffer
    const err = this.checkPeer(pub, payload.rankNonce, payload.signature, namespaced(NS.handshake, LABEL.ikResp, h2))
    const peer = proof(pub, payload.rankNonce)
    if (err !== undefined) return this.fail(err, p.senderIndex)
    this.state = 'established'
    return {
      kind: 'established',
      outcome: { peer, remoteIndex: p.senderIndex, sendKey: Buffer.from(keys.subarray(32, 64)), recvKey: Buffer.from(keys.subarray(64, 96)), frames: payload.frames, pattern: 'ik' }
    }
  }

  private onXxResp (p: XxResp, ee: Buffer, finFrames?: () => Buffer): InitiatorStep {
    const h2 = sha256(this.h1, p.ephemeral)
    const plain = open(hkdf(ee, h2, 'tornet xx resp', 32), 0, 0, respAad(p), p.sealed)
    if (plain === undefined) return { kind: 'ignored', reason: 'XX_RESP does not authenticate' }
    const payload = tryDecode(decodeXxRespPayload, plain)
    if (payload === undefined) return { kind: 'ignored', reason: 'malformed XX_RESP payload' }
    const err = this.checkPeer(payload.publicKey, payload.rankNonce, payload.signature, namespaced(NS.handshake, LABEL.xxResp, h2))
    if (err !== undefined) return this.fail(err, p.senderIndex)
    const h3 = sha256(h2, payload.publicKey)
    const fin = encodeXxFinPayload({
      publicKey: this.local.identity.publicKey,
      rankNonce: this.local.identity.nonce,
      signature: this.local.sign(namespaced(NS.handshake, LABEL.xxFin, h3)),
      frames: finFrames?.() ?? Buffer.alloc(0)
    })
    const sealed = seal(hkdf(ee, h3, 'tornet xx fin', 32), 0, 0, finAad(p.senderIndex), fin)
    const keys = hkdf(ee, sha256(h3, this.local.identity.publicKey), 'tornet xx session', 64)
    this.state = 'established'
    return {
      kind: 'established',
      outcome: { peer: proof(payload.publicKey, payload.rankNonce), remoteIndex: p.senderIndex, sendKey: Buffer.from(keys.subarray(0, 32)), recvKey: Buffer.from(keys.subarray(32, 64)), frames: Buffer.alloc(0), pattern: 'xx' },
      send: encodeLinkPacket({ type: PacketType.XX_FIN, receiverIndex: p.senderIndex, sealed })
    }
  }

  /** Marks the handshake failed (timeout, REFUSE received, abort). */
  abandon (): void { if (this.state === 'init-sent') this.state = 'failed' }

  private checkPeer (pub: Buffer, rankNonce: Buffer, signature: Buffer, signed: Buffer): LinkError | undefined {
    const o = this.opts
    if (!verifySignature(pub, signed, signature)) {
      return new LinkError(LinkErrorCode.BAD_SIGNATURE, 'the responder\'s handshake signature does not verify (forged identity)')
    }
    const id = nodeIdOf(pub)
    if (o.expectedId !== undefined && !id.equals(o.expectedId)) {
      return new LinkError(LinkErrorCode.WRONG_PEER, `expected node ${o.expectedId.toString('hex').slice(0, 16)}… but the endpoint is ${id.toString('hex').slice(0, 16)}…`)
    }
    if (pub.equals(this.local.identity.publicKey)) return new LinkError(LinkErrorCode.SELF, 'the endpoint is this node itself')
    const rank = rankOf(pub, rankNonce)
    if (rank < o.minRank) return new LinkError(LinkErrorCode.RANK_TOO_LOW, `peer rank ${rank} is below the minimum ${o.minRank}`)
    return undefined
  }

  private fail (error: LinkError, remoteIndex: number): InitiatorStep {
    this.state = 'failed'
    return { kind: 'failed', error, send: refusePacket(remoteIndex, error) }
  }
}

// ---- responder -----------------------------------------------------------------

export interface ResponderContext {
  localIndex: number
  minRank: number
  now: () => number
  /** How far an IK_INIT timestamp may be from our clock. */
  maxSkewMs: number
  ephemeral?: X25519KeyPair
}

export type ResponderStep =
  | { kind: 'accepted', outcome: HandshakeOutcome, /** IK only: builds IK_RESP carrying `frames`. */ respond?: (frames: Buffer) => Buffer }
  | { kind: 'refused', error: LinkError, send: Buffer, peer?: PeerProof }
  | { kind: 'ignored', reason: string }

export function respondToIkInit (local: LocalKeys, p: IkInit, ctx: ResponderContext): ResponderStep {
  const h1 = sha256(h0.ik, local.identity.publicKey, p.ephemeral)
  const es = x25519(local.staticX.privateKey, p.ephemeral)
  if (es === undefined) return { kind: 'ignored', reason: 'bad initiator ephemeral' }
  const plain = open(hkdf(es, h1, 'tornet ik init', 32), 0, 0, initAad(PacketType.IK_INIT, p.senderIndex, p.ephemeral), p.sealed)
  if (plain === undefined) {
    const error = new LinkError(LinkErrorCode.KEY_MISMATCH, 'IK_INIT was not sealed to this node\'s key')
    return { kind: 'refused', error, send: refusePacket(p.senderIndex, error) }
  }
  const payload = tryDecode(decodeIkInitPayload, plain)
  if (payload === undefined) return { kind: 'ignored', reason: 'malformed IK_INIT payload' }
  const peer = proof(payload.publicKey, payload.rankNonce)
  const err = checkInitiator(local, peer, payload.signature, namespaced(NS.handshake, LABEL.ikInit, h1), ctx) ??
    (Math.abs(ctx.now() - payload.timestampMs) > ctx.maxSkewMs
      ? new LinkError(LinkErrorCode.STALE, `handshake timestamp is ${Math.round((ctx.now() - payload.timestampMs) / 1000)} s off this node's clock`)
      : undefined)
  if (err !== undefined) return { kind: 'refused', error: err, send: refusePacket(p.senderIndex, err), peer }

  const e = ctx.ephemeral ?? generateX25519()
  const ee = x25519(e.privateKey, p.ephemeral) as Buffer
  const h2 = sha256(h1, payload.publicKey, e.publicKey)
  const keys = hkdf(Buffer.concat([es, ee]), h2, 'tornet ik session', 96)
  const signature = local.sign(namespaced(NS.handshake, LABEL.ikResp, h2))
  const respKey = Buffer.from(keys.subarray(0, 32))
  const respond = (frames: Buffer): Buffer => {
    const header = { type: PacketType.IK_RESP, receiverIndex: p.senderIndex, senderIndex: ctx.localIndex, ephemeral: e.publicKey } as const
    const sealed = seal(respKey, 0, 0, respAad(header), encodeIkRespPayload({ rankNonce: local.identity.nonce, signature, frames }))
    return encodeLinkPacket({ ...header, sealed })
  }
  return {
    kind: 'accepted',
    outcome: { peer, remoteIndex: p.senderIndex, sendKey: Buffer.from(keys.subarray(64, 96)), recvKey: Buffer.from(keys.subarray(32, 64)), frames: payload.frames, pattern: 'ik' },
    respond
  }
}

/** Responder state between XX_RESP and XX_FIN (the link keeps a bounded table of these). */
export interface XxPending { ee: Buffer, h2: Buffer, remoteIndex: number, localIndex: number }

export function respondToXxInit (local: LocalKeys, p: XxInit, ctx: ResponderContext): { pending: XxPending, send: Buffer } | undefined {
  const e = ctx.ephemeral ?? generateX25519()
  const ee = x25519(e.privateKey, p.ephemeral)
  if (ee === undefined) return undefined
  const h2 = sha256(sha256(h0.xx, p.ephemeral), e.publicKey)
  const signature = local.sign(namespaced(NS.handshake, LABEL.xxResp, h2))
  const header = { type: PacketType.XX_RESP, receiverIndex: p.senderIndex, senderIndex: ctx.localIndex, ephemeral: e.publicKey } as const
  const sealed = seal(hkdf(ee, h2, 'tornet xx resp', 32), 0, 0, respAad(header), encodeXxRespPayload({
    publicKey: local.identity.publicKey, rankNonce: local.identity.nonce, signature
  }))
  return {
    pending: { ee, h2, remoteIndex: p.senderIndex, localIndex: ctx.localIndex },
    send: encodeLinkPacket({ ...header, sealed })
  }
}

export function finishXx (local: LocalKeys, pending: XxPending, p: XxFin, ctx: ResponderContext): ResponderStep {
  const h3 = sha256(pending.h2, local.identity.publicKey)
  const plain = open(hkdf(pending.ee, h3, 'tornet xx fin', 32), 0, 0, finAad(p.receiverIndex), p.sealed)
  if (plain === undefined) return { kind: 'ignored', reason: 'XX_FIN does not authenticate' }
  const payload = tryDecode(decodeXxFinPayload, plain)
  if (payload === undefined) return { kind: 'ignored', reason: 'malformed XX_FIN payload' }
  const peer = proof(payload.publicKey, payload.rankNonce)
  const err = checkInitiator(local, peer, payload.signature, namespaced(NS.handshake, LABEL.xxFin, h3), ctx)
  if (err !== undefined) return { kind: 'refused', error: err, send: refusePacket(pending.remoteIndex, err), peer }
  const keys = hkdf(pending.ee, sha256(h3, payload.publicKey), 'tornet xx session', 64)
  return {
    kind: 'accepted',
    outcome: { peer, remoteIndex: pending.remoteIndex, sendKey: Buffer.from(keys.subarray(32, 64)), recvKey: Buffer.from(keys.subarray(0, 32)), frames: payload.frames, pattern: 'xx' }
  }
}

function checkInitiator (local: LocalKeys, peer: PeerProof, signature: Buffer, signed: Buffer, ctx: ResponderContext): LinkError | undefined {
  if (!verifySignature(peer.publicKey, signed, signature)) {
    return new LinkError(LinkErrorCode.BAD_SIGNATURE, 'the initiator\'s handshake signature does not verify (forged identity)')
  }
  if (peer.publicKey.equals(local.identity.publicKey)) return new LinkError(LinkErrorCode.SELF, 'a node cannot link to itself')
  if (peer.rank < ctx.minRank) return new LinkError(LinkErrorCode.RANK_TOO_LOW, `rank ${peer.rank} is below this node's minimum ${ctx.minRank}`)
  return undefined
}

function proof (publicKey: Buffer, rankNonce: Buffer): PeerProof {
  return { publicKey: Buffer.from(publicKey), rankNonce: Buffer.from(rankNonce), id: nodeIdOf(publicKey), rank: rankOf(publicKey, rankNonce) }
}

export function refusePacket (receiverIndex: number, error: LinkError): Buffer {
  return encodeLinkPacket({ type: PacketType.REFUSE, receiverIndex, reason: refuseReasonOf(error.code), text: error.message })
}

export function refuseWith (receiverIndex: number, reason: typeof RefuseReason[keyof typeof RefuseReason], text: string): Buffer {
  return encodeLinkPacket({ type: PacketType.REFUSE, receiverIndex, reason, text })
}

function initAad (type: number, senderIndex: number, ephemeral: Buffer): Buffer {
  const b = Buffer.allocUnsafe(INIT_AAD_BYTES)
  b[0] = 1; b[1] = type; b.writeUInt32LE(senderIndex >>> 0, 2); ephemeral.copy(b, 6)
  return b
}

function respAad (p: { type: number, receiverIndex: number, senderIndex: number, ephemeral: Buffer }): Buffer {
  const b = Buffer.allocUnsafe(RESP_AAD_BYTES)
  b[0] = 1; b[1] = p.type; b.writeUInt32LE(p.receiverIndex >>> 0, 2); b.writeUInt32LE(p.senderIndex >>> 0, 6); p.ephemeral.copy(b, 10)
  return b
}

function finAad (receiverIndex: number): Buffer {
  const b = Buffer.allocUnsafe(FIN_AAD_BYTES)
  b[0] = 1; b[1] = PacketType.XX_FIN; b.writeUInt32LE(receiverIndex >>> 0, 2)
  return b
}
