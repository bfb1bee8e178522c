import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CommandErrorCode } from '../../../../src/cli/command-errors.js'
import { storeCommand } from '../../../../src/cli/commands/store.js'
import { createNode, loadConfig } from '../../../../src/node/index.js'
import { makeContext, nodeDataDir } from '../cli-test-kit.js'
import { expectCode, expectUsageError } from './command-test-kit.js'

let dir: string
beforeEach(() => { dir = nodeDataDir({ storage: { cacheBytes: 5 * 1024 * 1024 } }) })
afterEach(() => { rmSync(dir, { recursive: true, force: true }) })

describe('tornet store', () => {
  it('takes no arguments', async () => {
    await expectUsageError(storeCommand, ['x'])
    await expectUsageError(storeCommand, ['--all'])
  })

  it('shows pinned and cached chunks, the cache limit and the data dir, offline', async () => {
    // Something to count: publish a small file into the store directly.
    const node = await createNode({ dataDir: dir, config: loadConfig({ dataDir: dir }) })
    const src = join(dir, 'hello.txt')
    writeFileSync(src, 'hello, store')
    try {
      await node.content.publish(src)
    } finally {
      await node.stop()
    }
    const ctx = makeContext(dir)
    await storeCommand.run([], ctx)
    const out = ctx.stdout.text()
    expect(out).toContain(`data dir     ${dir}\n`)
    expect(out).toMatch(/^pinned\s+[1-9]\d* chunks?, \d+ B \(\d+ bytes\)$/m)
    expect(out).toMatch(/^cache\s+0 chunks, 0 B \(0 bytes\) \(0\.0% of the limit\)$/m)
    expect(out).toContain('cache limit  5.00 MiB (5242880 bytes)')
    expect(ctx.stderr.text()).toBe('') // no join
  })

  it('says what to do while `tornet start` holds the store', async () => {
    const running = await createNode({ dataDir: dir, config: loadConfig({ dataDir: dir }) })
    try {
      await expectCode(storeCommand.run([], makeContext(dir)), CommandErrorCode.STORE_LOCKED)
    } finally {
      await running.stop()
    }
  })
})
