import { describe, it } from 'vitest'
import { pinCommand } from '../../../../src/cli/commands/pin.js'
import { SOME_REF, expectUsageError } from './command-test-kit.js'

describe('tornet pin: arguments', () => {
  it('needs exactly one reference', async () => {
    await expectUsageError(pinCommand, [])
    await expectUsageError(pinCommand, [SOME_REF, SOME_REF])
    await expectUsageError(pinCommand, ['abc'])
    await expectUsageError(pinCommand, [SOME_REF, '--all'])
  })
})
