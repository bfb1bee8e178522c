import { describe, it } from 'vitest'
import { peersCommand } from '../../../../src/cli/commands/peers.js'
import { expectUsageError } from './command-test-kit.js'

describe('tornet peers: arguments', () => {
  it('takes no positionals and a bounded --limit', async () => {
    await expectUsageError(peersCommand, ['x'])
    await expectUsageError(peersCommand, ['--limit', '-1'])
    await expectUsageError(peersCommand, ['--limit', 'many'])
  })
})
