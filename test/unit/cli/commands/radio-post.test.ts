import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { radioPostCommand } from '../../../../src/cli/commands/radio-post.js'
import { postSpoolDir } from '../../../../src/cli/radio-post-spool.js'
import { createStationKey } from '../../../../src/node/index.js'
import { makeContext, tempDataDir } from '../cli-test-kit.js'
import { expectCode, expectUsageError } from './command-test-kit.js'

describe('tornet radio post', () => {
  it('queues the words as one post for the running broadcast', async () => {
    const dir = tempDataDir()
    createStationKey(dir, 'talk')
    const ctx = makeContext(dir)
    await radioPostCommand.run(['talk', 'hello', 'world'], ctx)
    const files = readdirSync(postSpoolDir(dir, 'talk'))
    expect(files).toHaveLength(1)
    expect(readFileSync(join(postSpoolDir(dir, 'talk'), files[0]), 'utf8')).toBe('hello world')
    expect(ctx.stdout.text()).toContain('queued for talk')
  })

  it('needs a station that exists, and text', async () => {
    await expectCode(radioPostCommand.run(['nope', 'hi'], makeContext(tempDataDir())), 'RADIO_KEY_MISSING')
    await expectUsageError(radioPostCommand, ['talk'])
    const dir = tempDataDir()
    createStationKey(dir, 'talk')
    await expectCode(radioPostCommand.run(['talk', 'x'.repeat(1025)], makeContext(dir)), 'CLI_USAGE')
  })
})
