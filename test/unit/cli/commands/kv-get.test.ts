import { describe, it } from 'vitest'
import { kvGetCommand } from '../../../../src/cli/commands/kv-get.js'
import { expectUsageError } from './command-test-kit.js'

const NS = 'ab'.repeat(32)

describe('tornet kv get: arguments', () => {
  it('needs a namespace and a key, or --mine and a key', async () => {
    await expectUsageError(kvGetCommand, [])
    await expectUsageError(kvGetCommand, [NS])
    await expectUsageError(kvGetCommand, ['--mine'])
    await expectUsageError(kvGetCommand, ['--mine', NS, 'key'])
    await expectUsageError(kvGetCommand, [NS, 'key', 'extra'])
  })

  it('wants the namespace as 64 hex digits', async () => {
    await expectUsageError(kvGetCommand, ['ab'.repeat(31), 'key'])
    await expectUsageError(kvGetCommand, ['my-namespace', 'key'])
  })
})
