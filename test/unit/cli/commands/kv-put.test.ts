import { describe, it } from 'vitest'
import { kvPutCommand } from '../../../../src/cli/commands/kv-put.js'
import { expectUsageError } from './command-test-kit.js'

describe('tornet kv put: arguments', () => {
  it('needs a key and a value', async () => {
    await expectUsageError(kvPutCommand, [])
    await expectUsageError(kvPutCommand, ['key'])
    await expectUsageError(kvPutCommand, ['key', 'value', 'extra'])
    await expectUsageError(kvPutCommand, ['', 'value'])
  })

  it('takes a --ttl of at most 30 days', async () => {
    await expectUsageError(kvPutCommand, ['k', 'v', '--ttl', '31d'])
    await expectUsageError(kvPutCommand, ['k', 'v', '--ttl', 'soon'])
    await expectUsageError(kvPutCommand, ['k', 'v', '--ttl', '0'])
  })
})
