import { rmSync } from 'node:fs'
import { afterEach, beforeEach, describe, it } from 'vitest'
import { CommandErrorCode } from '../../../../src/cli/command-errors.js'
import { unpinCommand } from '../../../../src/cli/commands/unpin.js'
import { generateIdentity, saveIdentity } from '../../../../src/node/index.js'
import { makeContext, tempDataDir } from '../cli-test-kit.js'
import { SOME_REF, expectCode, expectUsageError } from './command-test-kit.js'

let dir: string
beforeEach(() => { dir = tempDataDir() })
afterEach(() => { rmSync(dir, { recursive: true, force: true }) })

describe('tornet unpin', () => {
  it('needs exactly one reference', async () => {
    await expectUsageError(unpinCommand, [])
    await expectUsageError(unpinCommand, [SOME_REF, SOME_REF])
    await expectUsageError(unpinCommand, ['abc'])
  })

  it('says so when the content is not in the store, without fetching it', async () => {
    saveIdentity(dir, generateIdentity())
    await expectCode(unpinCommand.run([SOME_REF], makeContext(dir)), CommandErrorCode.NOT_FOUND)
  })
})
