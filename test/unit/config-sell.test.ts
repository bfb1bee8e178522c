import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isTornetError } from '../../src/node/errors.js'
import { ConfigErrorCode, configPath, loadConfig } from '../../src/node/config.js'

let dir: string
beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'tornet-config-')) })
afterEach(() => { rmSync(dir, { recursive: true, force: true }) })

function problems (value: unknown): string {
  writeFileSync(configPath(dir), JSON.stringify(value))
  try { loadConfig({ dataDir: dir }); return '' } catch (err) {
    expect(isTornetError(err, ConfigErrorCode.INVALID)).toBe(true)
    return (err as Error).message
  }
}

describe('config: what a node sells and how it publishes (issue 19 item 7)', () => {
  it('takes sell and publish sections', () => {
    const sell = { bandwidth: 1_000_000, storage: 50_000_000, range: 200, minPopularity: 3, storagePrice: 0.5 }
    const publish = { replicas: 4, checkIntervalMs: 60_000, maxPrice: 2_000_000 }
    writeFileSync(configPath(dir), JSON.stringify({ sell, publish }))
    const c = loadConfig({ dataDir: dir })
    expect(c.sell).toEqual(sell)
    expect(c.publish).toEqual(publish)
  })

  it('is absent by default (sell everything, no bandwidth limit, never pay)', () => {
    const c = loadConfig({ dataDir: dir })
    expect(c.sell).toBeUndefined()
    expect(c.publish).toBeUndefined()
  })

  it('names every bad value and unknown key', () => {
    const p = problems({ sell: { bandwidth: -1, range: 257, minPopularity: 65, storagePrice: 'cheap', speed: 1 }, publish: { replicas: 33, checkIntervalMs: 10, maxPrice: 1.5 } })
    for (const key of ['sell.bandwidth', 'sell.range', 'sell.minPopularity', 'sell.storagePrice', 'sell.speed', 'publish.replicas', 'publish.checkIntervalMs', 'publish.maxPrice']) {
      expect(p).toContain(key)
    }
  })
})
