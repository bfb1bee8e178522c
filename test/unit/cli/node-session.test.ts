import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CommandErrorCode } from '../../../src/cli/command-errors.js'
import { withNode } from '../../../src/cli/node-session.js'
import { isTornetError } from '../../../src/node/errors.js'
import { createNode, generateIdentity, loadConfig, loadIdentity, saveIdentity } from '../../../src/node/index.js'
import { makeContext, tempDataDir } from './cli-test-kit.js'

let dir: string
beforeEach(() => { dir = tempDataDir() })
afterEach(() => { rmSync(dir, { recursive: true, force: true }) })

function setUp (config: Record<string, unknown> = {}): void {
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ listen: { host: '127.0.0.1', port: 9151 }, minRank: 0, ...config }))
  saveIdentity(dir, generateIdentity())
}

async function errorOf (p: Promise<unknown>): Promise<unknown> {
  return await p.then(() => undefined, (e: unknown) => e)
}

describe('withNode', () => {
  it('creates an identity of the configured identityRank on first use, says so, and keeps it', async () => {
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ listen: { host: '127.0.0.1', port: 0 }, minRank: 0, identityRank: 6 }))
    const ctx = makeContext(dir)
    const id = await withNode(ctx, async (node) => node.identity, { network: 'none' })
    expect(id.rank).toBeGreaterThanOrEqual(6)
    expect(loadIdentity(dir)?.id.equals(id.id)).toBe(true)
    expect(ctx.stderr.text()).toContain(`there is no identity in ${dir} yet: creating one of rank 6`)
    expect(ctx.stderr.text()).toContain('created identity')
    expect(ctx.stdout.text()).toBe('') // stdout stays for the command's result
    // The second run uses it as it is.
    const again = makeContext(dir)
    expect((await withNode(again, async (node) => node.identity, { network: 'none' })).id.equals(id.id)).toBe(true)
    expect(again.stderr.text()).toBe('')
  })

  it('joins through ctx.bootstrap (--bootstrap) instead of config "bootstrap"', async () => {
    const seedDir = tempDataDir()
    writeFileSync(join(seedDir, 'config.json'), JSON.stringify({ listen: { host: '127.0.0.1', port: 0 }, minRank: 0, allowPrivateEndpoints: true }))
    saveIdentity(seedDir, generateIdentity())
    const seed = await createNode({ dataDir: seedDir, config: loadConfig({ dataDir: seedDir }) })
    try {
      setUp({ bootstrap: ['127.0.0.1:9'], allowPrivateEndpoints: true })
      const ctx = makeContext(dir, { bootstrap: [`127.0.0.1:${seed.endpoint.port}`] })
      const session = await withNode(ctx, async (_node, s) => s)
      expect(session.online).toBe(true)
      expect(session.reached).toBeGreaterThanOrEqual(1)
    } finally {
      await seed.stop()
      rmSync(seedDir, { recursive: true, force: true })
    }
  })

  it('says to give --bootstrap when no peer answers', async () => {
    setUp()
    const err = await errorOf(withNode(makeContext(dir), async () => {}))
    expect((err as Error).message).toContain('--bootstrap HOST:PORT')
    expect((err as Error).message).toContain('npm start')
  })

  it('runs the node on an ephemeral port of the configured host, and stops it afterwards', async () => {
    setUp()
    const ctx = makeContext(dir)
    const port = await withNode(ctx, async (node) => {
      expect(node.endpoint.address).toBe('127.0.0.1')
      return node.endpoint.port
    }, { network: 'none' })
    expect(port).not.toBe(9151)
    expect(port).toBeGreaterThan(0)
    expect(ctx.stderr.text()).toBe('') // no join attempted
    // Stopped: the store can be opened again.
    await withNode(makeContext(dir), async () => {}, { network: 'none' })
  })

  it('says to stop `tornet start` or use the dashboard when the store is held', async () => {
    setUp({ gateway: { port: 9876 } })
    const running = await createNode({ dataDir: dir, config: { ...loadConfig({ dataDir: dir }), listen: { host: '127.0.0.1', port: 0 } } })
    try {
      const err = await errorOf(withNode(makeContext(dir), async () => {}, { network: 'none' }))
      expect(isTornetError(err, CommandErrorCode.STORE_LOCKED)).toBe(true)
      expect((err as Error).message).toContain('Stop `tornet start` first')
      expect((err as Error).message).toContain('http://127.0.0.1:9876/')
    } finally {
      await running.stop()
    }
  })

  it('fails clearly without peers when the command needs the network', async () => {
    setUp()
    let ran = false
    const err = await errorOf(withNode(makeContext(dir), async () => { ran = true }))
    expect(isTornetError(err, CommandErrorCode.NO_PEERS)).toBe(true)
    expect((err as Error).message).toContain('"bootstrap"')
    expect(ran).toBe(false)
  })

  it('goes on with the local store when the network is optional', async () => {
    setUp()
    const ctx = makeContext(dir)
    const online = await withNode(ctx, async (_node, session) => session.online, { network: 'optional' })
    expect(online).toBe(false)
    expect(ctx.stderr.text()).toContain('working with the local store only')
  })

  it('reports Ctrl-C as an interruption', async () => {
    setUp()
    const ac = new AbortController()
    const err = await errorOf(withNode(makeContext(dir, { signal: ac.signal }), async () => {
      ac.abort()
      throw new DOMException('aborted', 'AbortError')
    }, { network: 'none' }))
    expect(isTornetError(err, CommandErrorCode.INTERRUPTED)).toBe(true)
  })
})
