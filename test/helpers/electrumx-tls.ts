import { execFileSync } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { connect, type AddressInfo, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer as createTlsServer } from 'node:tls'
import { startElectrumxServer, type ElectrumxChain, type ElectrumxServerOptions, type ElectrumxTestServer } from './electrumx-server.js'

/**
 * The protocol-true ElectrumX test server behind TLS, the way public
 * Namecoin ElectrumX servers run: a self-signed certificate made at test
 * time (openssl), and `rotate()` to swap it for a fresh one on the same
 * port, as an operator (or an interceptor) would. The TLS side terminates
 * here and each connection is piped to the plain server, whose `requests`
 * and failure modes stay as they are.
 */

export interface SelfSignedCert { key: string, cert: string, fingerprint256: string }

export function selfSignedCert (commonName = '127.0.0.1'): SelfSignedCert {
  const dir = mkdtempSync(join(tmpdir(), 'tornet-cert-'))
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-subj', `/CN=${commonName}`, '-days', '2', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' })
    const cert = readFileSync(join(dir, 'cert.pem'), 'utf8')
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert, fingerprint256: new X509Certificate(cert).fingerprint256 }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export interface ElectrumxTlsServer extends ElectrumxTestServer {
  /** The certificate served now. */
  cert: SelfSignedCert
  /** Serves a new self-signed certificate from now on (same port), dropping open connections as a restarted server would; returns it. */
  rotate: () => SelfSignedCert
  /** The plain server behind the TLS front. */
  plain: ElectrumxTestServer
}

export async function startElectrumxTlsServer (chain: ElectrumxChain, opts: Omit<ElectrumxServerOptions, 'tls'> = {}): Promise<ElectrumxTlsServer> {
  const plain = await startElectrumxServer(chain, opts)
  let cert = selfSignedCert()
  const sockets = new Set<Socket>()
  const front = createTlsServer({ key: cert.key, cert: cert.cert }, (tlsSocket) => {
    const back = connect({ host: '127.0.0.1', port: plain.port })
    sockets.add(tlsSocket)
    sockets.add(back)
    const end = (): void => { tlsSocket.destroy(); back.destroy(); sockets.delete(tlsSocket); sockets.delete(back) }
    tlsSocket.on('error', end).on('close', end)
    back.on('error', end).on('close', end)
    tlsSocket.pipe(back).pipe(tlsSocket)
  })
  front.on('tlsClientError', () => {}) // a client refusing our certificate is what some tests want
  await new Promise<void>(resolve => front.listen(0, '127.0.0.1', resolve))
  const port = (front.address() as AddressInfo).port
  return {
    port,
    spec: `127.0.0.1:${port}:s`,
    requests: plain.requests,
    get connections () { return plain.connections },
    plain,
    get cert () { return cert },
    rotate: () => {
      cert = selfSignedCert()
      front.setSecureContext({ key: cert.key, cert: cert.cert })
      for (const s of sockets) s.destroy()
      return cert
    },
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>(resolve => front.close(() => resolve()))
      await plain.close()
    }
  }
}
