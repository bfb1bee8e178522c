import { describe, it } from 'vitest'
import { nameShowCommand } from '../../../../src/cli/commands/name-show.js'
import { expectUsageError } from './command-test-kit.js'

describe('tornet name show: arguments', () => {
  it('needs exactly one name', async () => {
    await expectUsageError(nameShowCommand, [])
    await expectUsageError(nameShowCommand, ['a', 'b'])
    await expectUsageError(nameShowCommand, ['a', '--all'])
  })
})
