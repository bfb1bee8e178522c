import { parseEndpoint } from '../../config.js'

/** The peer a node delegates its lookups to (config routing.delegate, `tornet lookup --via`). */
export interface DelegateSpec {
  /** The delegate's ed25519 public key, when given (then its id is the key's hash). */
  publicKey?: Buffer
  endpoint: { address: string, port: number }
}

/** `KEYHEX@host:port` or `host:port` (then the node must already know the peer at that endpoint). */
export function parseDelegate (text: string): DelegateSpec | undefined {
  const at = text.indexOf('@')
  const keyText = at < 0 ? undefined : text.slice(0, at)
  const endpoint = parseEndpoint(at < 0 ? text : text.slice(at + 1))
  if (endpoint === undefined) return undefined
  if (keyText === undefined) return { endpoint }
  if (!/^[0-9a-fA-F]{64}$/.test(keyText)) return undefined
  return { publicKey: Buffer.from(keyText, 'hex'), endpoint }
}
