import { describe, it } from 'vitest'
import { getCommand } from '../../../../src/cli/commands/get.js'
import { SOME_REF, expectUsageError } from './command-test-kit.js'

describe('tornet get: arguments', () => {
  it('needs exactly one address', async () => {
    await expectUsageError(getCommand, [])
    await expectUsageError(getCommand, [SOME_REF, SOME_REF])
  })

  it('refuses what is not an address of content', async () => {
    await expectUsageError(getCommand, ['mysite/index.html'])
    await expectUsageError(getCommand, ['ftp://x.tor-net/'])
    await expectUsageError(getCommand, [`${SOME_REF}/../etc/passwd`])
  })

  it('refuses unknown flags and an empty -o', async () => {
    await expectUsageError(getCommand, [SOME_REF, '--out', 'x'])
    await expectUsageError(getCommand, [SOME_REF, '-o', ''])
  })
})
