import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { isTornetError } from '../../../../src/node/errors.js'
import { CertificatePins, PINS_FILE } from '../../../../src/resolvers/namecoin/certificate-pins.js'
import { parseServer } from '../../../../src/resolvers/namecoin/electrum-connection.js'
import { ElectrumxSource } from '../../../../src/resolvers/namecoin/electrumx-source.js'
import { RESOLVE_ERRORS } from '../../../../src/resolvers/types.js'
import { addRawTx, emptyChain } from '../../../helpers/electrumx-server.js'
import { startElectrumxTlsServer, type ElectrumxTlsServer } from '../../../helpers/electrumx-tls.js'

// A real Namecoin transaction (namecoin.org, "Atomic Name Trading"; see test/fixtures/namecoin/README.md).
const trade = JSON.parse(readFileSync(new URL('../../../fixtures/namecoin/atomic-trade-tx.json', import.meta.url), 'utf8'))
const TIP = 750_000

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => { for (const c of cleanups.splice(0)) await c() })

function tempDir (): string {
  const dir = mkdtempSync(join(tmpdir(), 'tornet-pins-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

async function tlsServer (): Promise<ElectrumxTlsServer> {
  const chain = emptyChain(TIP)
  addRawTx(chain, 'd/my-cool-domain', trade.signed.hex, trade.signed.txid, TIP - 10)
  const s = await startElectrumxTlsServer(chain)
  cleanups.push(s.close)
  return s
}

function source (spec: string, dataDir: string): ElectrumxSource {
  const src = new ElectrumxSource({ servers: [parseServer(spec) ?? (() => { throw new Error(spec) })()], timeoutMs: 2000, pins: new CertificatePins(dataDir) })
  cleanups.push(() => src.close())
  return src
}

async function failure (p: Promise<unknown>): Promise<{ code: string, message: string }> {
  try { await p } catch (err) { if (isTornetError(err)) return { code: err.code, message: err.message }; throw err }
  throw new Error('expected a TornetError')
}

describe('TLS trust on first use', () => {
  it('pins a self-signed certificate on first use, in the data directory, and accepts it again after a restart', async () => {
    const server = await tlsServer()
    const dir = tempDir()
    expect((await source(server.spec, dir).nameShow('d/my-cool-domain'))?.value).toBe('thanks from Sally')
    const pins = JSON.parse(readFileSync(join(dir, PINS_FILE), 'utf8'))
    expect(pins).toEqual({ [`127.0.0.1:${server.port}`]: server.cert.fingerprint256 })
    // A new process (new source, pins read from the file) with the same certificate.
    expect((await source(server.spec, dir).nameShow('d/my-cool-domain'))?.txid).toBe(trade.signed.txid)
  })

  it('refuses a rotated certificate with RESOLVE_CERT_CHANGED naming the pins file, keeps refusing, and accepts after the pin is forgotten', async () => {
    const server = await tlsServer()
    const dir = tempDir()
    await source(server.spec, dir).nameShow('d/my-cool-domain')
    const old = server.cert.fingerprint256
    const fresh = server.rotate()
    expect(fresh.fingerprint256).not.toBe(old)

    const src = source(server.spec, dir)
    const f = await failure(src.nameShow('d/my-cool-domain'))
    expect(f.code).toBe(RESOLVE_ERRORS.certificateChanged)
    expect(f.message).toContain(fresh.fingerprint256)
    expect(f.message).toContain(join(dir, PINS_FILE))
    expect(src.status().lastFailure?.code).toBe(RESOLVE_ERRORS.certificateChanged)
    // The pin is not overwritten by the refused certificate.
    expect(JSON.parse(readFileSync(join(dir, PINS_FILE), 'utf8'))[`127.0.0.1:${server.port}`]).toBe(old)
    expect((await failure(source(server.spec, dir).nameShow('d/my-cool-domain'))).code).toBe(RESOLVE_ERRORS.certificateChanged)

    expect(src.forgetPin(`127.0.0.1:${server.port}`)).toBe(true)
    expect((await source(server.spec, dir).nameShow('d/my-cool-domain'))?.value).toBe('thanks from Sally')
  })

  it('without pins, a self-signed certificate is refused by CA checking with advice', async () => {
    const server = await tlsServer()
    const src = new ElectrumxSource({ servers: [parseServer(server.spec) as never], timeoutMs: 2000 })
    cleanups.push(() => src.close())
    const f = await failure(src.nameShow('d/my-cool-domain'))
    expect(f.code).toBe(RESOLVE_ERRORS.unavailable)
    expect(f.message).toMatch(/certificate/)
  })
})

describe('CertificatePins', () => {
  it('first / same / changed, and ignores a corrupt pins file instead of refusing every server', () => {
    const dir = tempDir()
    const fp = (b: string): string => Array(32).fill(b).join(':')
    const pins = new CertificatePins(dir)
    expect(pins.check('a:1', fp('AA'))).toEqual({ kind: 'first' })
    expect(pins.check('a:1', fp('aa'))).toEqual({ kind: 'same' })
    expect(pins.check('a:1', fp('BB'))).toEqual({ kind: 'changed', pinned: fp('AA') })
    expect(new CertificatePins(dir).pinned('a:1')).toBe(fp('AA'))
    writeFileSync(join(dir, PINS_FILE), '{not json')
    expect(new CertificatePins(dir).pinned('a:1')).toBeUndefined()
    writeFileSync(join(dir, PINS_FILE), JSON.stringify({ 'a:1': 'not a fingerprint', 'b:2': fp('CC') }))
    const reread = new CertificatePins(dir)
    expect([reread.pinned('a:1'), reread.pinned('b:2')]).toEqual([undefined, fp('CC')])
  })
})
