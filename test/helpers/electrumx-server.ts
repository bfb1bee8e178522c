import { createServer, type Socket } from 'node:net'
import { createServer as createTlsServer } from 'node:tls'
import type { AddressInfo } from 'node:net'
import { createHash } from 'node:crypto'
import { buildNameTx, type NameTxSpec } from '../fixtures/namecoin/name-tx-builder.js'

/**
 * A small TCP server that speaks the Electrum protocol as ElectrumX does
 * (JSON-RPC 2.0, one JSON object per "\n"-terminated line), answering from
 * a recorded chain: a tip height, script-hash histories and raw
 * transactions.
 *
 *   server.version                       → ["ElectrumX 1.16.0", "1.4"]
 *   blockchain.headers.subscribe         → {"hex": <80-byte header>, "height": tip}
 *   server.peers.subscribe               → chain.peers (default [])
 *   blockchain.scripthash.get_history    → [{"tx_hash", "height"}, …] ([] when unknown)
 *   blockchain.transaction.get           → raw hex, or error 2 ("daemon error") when unknown
 *   blockchain.block.header [h, cp=0]    → the header's hex (80 bytes + AuxPoW, as Namecoin's
 *                                          AuxPoWElectrumX serves it when cp_height is 0)
 *   blockchain.block.headers [start, n, cp=0] → {"hex": headers back to back, "count", "max": 2016}
 *   blockchain.transaction.get_merkle [txid, h] → {"merkle": [hex], "block_height", "pos"}
 *   anything else                        → error -32601
 *
 * Out-of-range heights and unknown proofs answer error 1 (BAD_REQUEST), as
 * ElectrumX does.
 *
 * Modes for failure tests: `hang` (accept, never answer), `garbage` (answer
 * a line that is not JSON), `splitWrites` (every answer in two TCP writes),
 * `delayMs` (answer some methods late).
 */

export interface ElectrumxChain {
  tip: number
  histories: Map<string, Array<{ tx_hash: string, height: number }>>
  transactions: Map<string, string>
  /** Serialized headers by height (80 bytes, plus AuxPoW for merge-mined blocks). */
  headers?: Map<number, Buffer>
  /** get_merkle answers by txid. */
  merkles?: Map<string, { merkle: string[], block_height: number, pos: number }>
  /** The server.peers.subscribe answer, as sent ([[ip, host, [features]], …]); default []. */
  peers?: unknown
}

/** ElectrumX's MAX_CHUNK_SIZE: blockchain.block.headers returns at most this many. */
export const MAX_HEADERS_CHUNK = 2016

export interface ElectrumxServerOptions {
  hang?: boolean
  garbage?: boolean
  splitWrites?: boolean
  /** Answer these methods only after this many milliseconds (a slow server). */
  delayMs?: Record<string, number>
  /** Serve over TLS (an `s` server) with this key and certificate (PEM). */
  tls?: { key: string, cert: string }
}

export interface ElectrumxTestServer {
  port: number
  /** "127.0.0.1:<port>:t" (or ":s" with TLS), for the config's server list. */
  spec: string
  requests: Array<{ method: string, params: unknown[] }>
  connections: number
  close: () => Promise<void>
}

export function emptyChain (tip: number): ElectrumxChain {
  return { tip, histories: new Map(), transactions: new Map() }
}

/** The script hash ElectrumX indexes a name under, computed here independently of the code under test. */
export function nameScriptHash (name: string): string {
  const n = Buffer.from(name, 'utf8')
  const script = Buffer.concat([Buffer.from([0x53, n.length]), n, Buffer.from([0x00, 0x6d, 0x75, 0x6a])])
  return Buffer.from(createHash('sha256').update(script).digest()).reverse().toString('hex')
}

/** Records a name transaction in `chain` at `height` (0 = mempool) and returns its txid. */
export function addNameTx (chain: ElectrumxChain, spec: NameTxSpec & { height: number }): string {
  const { hex, txid } = buildNameTx(spec)
  addRawTx(chain, spec.name, hex, txid, spec.height)
  return txid
}

export function addRawTx (chain: ElectrumxChain, name: string, hex: string, txid: string, height: number): void {
  const sh = nameScriptHash(name)
  const history = chain.histories.get(sh) ?? []
  history.push({ tx_hash: txid, height })
  chain.histories.set(sh, history)
  chain.transactions.set(txid, hex)
}

export async function startElectrumxServer (chain: ElectrumxChain, opts: ElectrumxServerOptions = {}): Promise<ElectrumxTestServer> {
  const requests: ElectrumxTestServer['requests'] = []
  const sockets = new Set<Socket>()
  const state = { connections: 0 }

  const answer = (method: string, params: unknown[]): { result: unknown } | { error: { code: number, message: string } } => {
    switch (method) {
      case 'server.version': return { result: ['ElectrumX 1.16.0', '1.4'] }
      case 'server.peers.subscribe': return { result: chain.peers ?? [] }
      case 'blockchain.headers.subscribe': return { result: { hex: chain.headers?.get(chain.tip)?.toString('hex') ?? '00'.repeat(80), height: chain.tip } }
      case 'blockchain.block.header': {
        const [height, cp = 0] = params
        const header = Number.isSafeInteger(height) ? chain.headers?.get(height as number) : undefined
        if (header === undefined || (height as number) > chain.tip) return { error: { code: 1, message: `height ${String(height)} out of range` } }
        if (cp !== 0) return { error: { code: 1, message: 'checkpoint proofs are not recorded in this test server' } }
        return { result: header.toString('hex') }
      }
      case 'blockchain.block.headers': {
        const [start, count, cp = 0] = params
        if (!Number.isSafeInteger(start) || !Number.isSafeInteger(count) || (start as number) < 0 || (count as number) < 0) return { error: { code: 1, message: 'invalid start or count' } }
        if (cp !== 0) return { error: { code: 1, message: 'checkpoint proofs are not recorded in this test server' } }
        const parts: Buffer[] = []
        const end = Math.min((start as number) + Math.min(count as number, MAX_HEADERS_CHUNK), chain.tip + 1)
        for (let h = start as number; h < end; h++) {
          const header = chain.headers?.get(h)
          if (header === undefined) break
          parts.push(header)
        }
        return { result: { hex: Buffer.concat(parts).toString('hex'), count: parts.length, max: MAX_HEADERS_CHUNK } }
      }
      case 'blockchain.transaction.get_merkle': {
        const [txid, height] = params
        const proof = chain.merkles?.get(String(txid))
        if (proof === undefined || (height !== undefined && height !== proof.block_height)) return { error: { code: 1, message: `tx ${String(txid)} not in block at height ${String(height)}` } }
        return { result: proof }
      }
      case 'blockchain.scripthash.get_history': {
        const sh = params[0]
        if (typeof sh !== 'string' || !/^[0-9a-f]{64}$/.test(sh)) return { error: { code: 1, message: `${String(sh)} is not a valid script hash` } }
        return { result: chain.histories.get(sh) ?? [] }
      }
      case 'blockchain.transaction.get': {
        const hex = chain.transactions.get(String(params[0]))
        if (hex === undefined) return { error: { code: 2, message: 'daemon error: DaemonError({\'code\': -5, \'message\': \'No such mempool or blockchain transaction.\'})' } }
        return { result: hex }
      }
      default: return { error: { code: -32601, message: `unknown method "${method}"` } }
    }
  }

  const onSocket = (socket: Socket): void => {
    state.connections++
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    let buffered = ''
    let queue = Promise.resolve()
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8')
      let nl: number
      while ((nl = buffered.indexOf('\n')) !== -1) {
        const line = buffered.slice(0, nl)
        buffered = buffered.slice(nl + 1)
        let msg: { id?: unknown, method?: unknown, params?: unknown }
        try { msg = JSON.parse(line) } catch { socket.destroy(); return }
        const method = String(msg.method)
        const params = Array.isArray(msg.params) ? msg.params : []
        requests.push({ method, params })
        if (opts.hang === true) continue
        if (opts.garbage === true) { socket.write('this is not json\n'); continue }
        const out = JSON.stringify({ jsonrpc: '2.0', ...answer(method, params), id: msg.id }) + '\n'
        const delay = opts.delayMs?.[method]
        if (delay !== undefined) {
          const timer = setTimeout(() => { if (!socket.destroyed) socket.write(out) }, delay)
          socket.on('close', () => clearTimeout(timer))
        } else if (opts.splitWrites === true) {
          // Each answer in two writes a tick apart, answers kept in order (no interleaving).
          const cut = Math.floor(out.length / 2)
          queue = queue.then(async () => {
            if (socket.destroyed) return
            socket.write(out.slice(0, cut))
            await new Promise(resolve => setImmediate(resolve))
            if (!socket.destroyed) socket.write(out.slice(cut))
          })
        } else {
          socket.write(out)
        }
      }
    })
  }
  const server = opts.tls === undefined ? createServer(onSocket) : createTlsServer(opts.tls, onSocket)
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    port,
    spec: `127.0.0.1:${port}:${opts.tls === undefined ? 't' : 's'}`,
    requests,
    get connections () { return state.connections },
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>(resolve => server.close(() => resolve()))
    }
  }
}
