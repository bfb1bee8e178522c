import { describe, it } from 'vitest'
import { lsCommand } from '../../../../src/cli/commands/ls.js'
import { SOME_REF, expectUsageError } from './command-test-kit.js'

describe('tornet ls: arguments', () => {
  it('needs exactly one address of content', async () => {
    await expectUsageError(lsCommand, [])
    await expectUsageError(lsCommand, [SOME_REF, 'x'])
    await expectUsageError(lsCommand, ['not a reference'])
    await expectUsageError(lsCommand, [SOME_REF, '--long'])
  })
})
