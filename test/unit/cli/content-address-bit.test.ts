import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { parseContentAddress, resolveContentAddress } from '../../../src/cli/content-address.js'
import { formatReference, type TornetNode } from '../../../src/node/index.js'
import { HEADERS_DIR, PINS_FILE } from '../../../src/resolvers/namecoin/index.js'
import { startElectrumxTlsServer } from '../../helpers/electrumx-tls.js'
import { provenWorld } from '../../fixtures/namecoin/spv/proven-names.js'

// `tornet get/ls/pin/unpin NAME.bit` resolve through resolveContentAddress: its TLS pins and
// verified headers must persist in the data directory (they were in memory before).
const ref = formatReference({ id: Buffer.alloc(32, 1), key: Buffer.alloc(32, 2) })
const TIP = 9000
const world = provenWorld({ tip: TIP, txs: [{ name: 'd/site', value: JSON.stringify({ tornet: `${ref}.tor-net` }), height: TIP - 3 }] })

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c() })

describe('resolveContentAddress for a .bit name', () => {
  it('keeps the certificate pin and the verified headers in the data directory', async () => {
    const server = await startElectrumxTlsServer(world.chain)
    cleanups.push(server.close)
    const dataDir = mkdtempSync(join(tmpdir(), 'tornet-cli-bit-'))
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }))
    // Only what nodeResolvers reads of a node: the config's namecoin key (and names, for .tor-net).
    const node = { config: { namecoin: { electrumx: { servers: [server.spec] } } }, names: { lookup: async () => { throw new Error('no .tor-net here') } } } as unknown as TornetNode
    const where = await resolveContentAddress(node, parseContentAddress('site.bit/docs/a.txt'), { namecoin: { dataDir, chainParams: world.params } })
    expect(where).toEqual({ reference: ref, path: 'docs/a.txt', label: 'site' })
    expect(JSON.parse(readFileSync(join(dataDir, PINS_FILE), 'utf8'))[`127.0.0.1:${server.port}`]).toBe(server.cert.fingerprint256)
    expect(existsSync(join(dataDir, HEADERS_DIR))).toBe(true)

    // A second command: the pin holds, so a rotated certificate is refused.
    server.rotate()
    await expect(resolveContentAddress(node, parseContentAddress('site.bit'), { namecoin: { dataDir, chainParams: world.params } }))
      .rejects.toMatchObject({ code: 'RESOLVE_CERT_CHANGED' })
  })
})
