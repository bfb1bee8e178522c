import { sha256 } from './hash.js'

/**
 * Every kind of signed thing is signed under its own namespace tag, so a
 * signature made for one kind can never be replayed as another. The signed
 * message is SHA-256("tornet/" + tag) ‖ SHA-256(payload parts...).
 * Add a tag here for each new kind of signature.
 */
export const NS = {
  handshake: 'link/handshake/v1',
  hsEstablishIntro: 'tunnels/hs-establish-intro/v1',
  hsIntroduce: 'tunnels/hs-introduce/v1',
  kvRecord: 'kv/record/v1',
  mailboxRecord: 'mail/mailbox-record/v1',
  mailCollect: 'mail/collect/v1',
  mailReceipt: 'mail/receipt/v1',
  mailSeal: 'mail/seal/v1',
  nameRegistration: 'names/registration/v1',
  providerRecord: 'chunks/provider/v1',
  radioSegment: 'radio/segment/v1',
  searchTag: 'search/tag/v1'
} as const

export type Namespace = typeof NS[keyof typeof NS]

const tagCache = new Map<string, Buffer>()

export function namespaced (ns: Namespace, ...parts: Uint8Array[]): Buffer {
  let tag = tagCache.get(ns)
  if (tag === undefined) { tag = sha256(Buffer.from('tornet/' + ns)); tagCache.set(ns, tag) }
  return Buffer.concat([tag, sha256(...parts)])
}
