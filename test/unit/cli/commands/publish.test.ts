import { describe, it } from 'vitest'
import { CommandErrorCode } from '../../../../src/cli/command-errors.js'
import { publishCommand } from '../../../../src/cli/commands/publish.js'
import { makeContext } from '../cli-test-kit.js'
import { expectCode, expectUsageError } from './command-test-kit.js'

describe('tornet publish: arguments', () => {
  it('needs exactly one source', async () => {
    await expectUsageError(publishCommand, [])
    await expectUsageError(publishCommand, ['a', 'b'])
  })

  it('refuses unknown flags and an empty --name', async () => {
    await expectUsageError(publishCommand, ['.', '--nmae', 'x'])
    await expectUsageError(publishCommand, ['.', '--name', ''])
    await expectUsageError(publishCommand, ['.', '--name'])
  })

  it('says plainly when the source does not exist, before starting a node', async () => {
    await expectCode(publishCommand.run(['/nonexistent/tornet/source'], makeContext('/nonexistent/tornet-test-dir')), CommandErrorCode.NO_SUCH_FILE)
  })
})
