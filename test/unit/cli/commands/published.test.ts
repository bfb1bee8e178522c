import { rmSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { publishedCommand } from '../../../../src/cli/commands/published.js'
import { withPopularity } from '../../../../src/cli/serve/node-dashboard-port.js'
import { publishedPanel } from '../../../../src/gateway/apps/dashboard/panels.js'
import { createNode, loadConfig, summarizePublished } from '../../../../src/node/index.js'
import { makeContext, nodeDataDir } from '../cli-test-kit.js'
import { expectUsageError } from './command-test-kit.js'

let dir: string
beforeEach(() => { dir = nodeDataDir() })
afterEach(() => { rmSync(dir, { recursive: true, force: true }) })

describe('tornet published', () => {
  it('refuses unknown options', async () => {
    await expectUsageError(publishedCommand, ['--all'])
    await expectUsageError(publishedCommand, ['x'])
  })

  it('shows what was published, per item and per chunk, from the store, offline; the dashboard the same', async () => {
    const empty = makeContext(dir)
    await publishedCommand.run([], empty)
    expect(empty.stdout.text()).toContain('nothing published')

    const node = await createNode({ dataDir: dir, config: loadConfig({ dataDir: dir }) })
    let reference = ''
    try {
      node.start()
      const data = Buffer.alloc(50_000, 3)
      const r = await node.publish([{ path: 'a.bin', kind: 'file', size: data.length, open: async function * () { yield data } }])
      reference = r.host
      // A check with no other node: nobody hosts it, so it re-publishes (in vain) and records the check.
      const report = await node.checkPublished()
      expect(report).toMatchObject({ chunks: 2, hostsAlive: 0, republished: 2 })
    } finally { await node.stop() }

    const json = makeContext(dir)
    await publishedCommand.run(['--json'], json)
    const items = JSON.parse(json.stdout.text())
    expect(items).toMatchObject([{ item: reference, chunks: 2, minHosts: 0, hosts: 0, reads: 0 }])
    expect(items[0].lastCheck).toBeGreaterThan(0)

    const text = makeContext(dir)
    await publishedCommand.run([], text)
    expect(text.stdout.text()).toMatch(/^item\s+chunks\s+hosts \(min\)\s+hosts\s+last check\s+reads\/h/m)
    expect(text.stdout.text()).toContain(reference.slice(0, 24))
    const chunks = makeContext(dir)
    await publishedCommand.run(['--chunks'], chunks)
    expect(chunks.stdout.text().trim().split('\n').length).toBe(3)

    // The dashboard's Published panel: hosts, last check and reads an hour per item.
    const again = await createNode({ dataDir: dir, config: loadConfig({ dataDir: dir }) })
    try {
      const stats = summarizePublished(again.publishedChunks())
      const rows = withPopularity([{ reference, url: `http://${reference}.tor-net/`, title: 'a', files: 1, bytes: 50_000, publishedAt: Date.now() }], stats)
      expect(rows[0]).toMatchObject({ hosts: 0, readsPerHour: 0 })
      const html = publishedPanel({ published: { ok: true, value: rows }, names: [], now: Date.now() } as never)
      expect(html).toContain('Reads/h')
      expect(html).toContain('Hosts')
    } finally { await again.stop() }
  }, 60_000)
})
