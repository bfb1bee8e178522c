import { describe, expect, it } from 'vitest'
import { nameRegisterCommand, targetFromUrl } from '../../../../src/cli/commands/name-register.js'
import { makeContext, tempDataDir } from '../cli-test-kit.js'
import { SOME_REF, expectCode, expectUsageError } from './command-test-kit.js'

describe('tornet name register', () => {
  it('needs a name and a target', async () => {
    await expectUsageError(nameRegisterCommand, [])
    await expectUsageError(nameRegisterCommand, ['site'])
    await expectUsageError(nameRegisterCommand, ['site', SOME_REF, 'x'])
  })

  it('refuses a target that is none of the forms, before mining', async () => {
    const ctx = makeContext('/nonexistent/tornet-test-dir')
    await expectCode(nameRegisterCommand.run(['site', 'not-a-target'], ctx), 'NAME_MALFORMED')
    await expectCode(nameRegisterCommand.run(['site', 'mailbox:1234'], ctx), 'NAME_MALFORMED')
    await expectUsageError(nameRegisterCommand, ['site', `http://${SOME_REF}.tor-net/index.html`])
  })

  it('--station takes the place of the target and needs a station of this data directory', async () => {
    await expectUsageError(nameRegisterCommand, ['site', '--station', 'jazz', SOME_REF])
    await expectUsageError(nameRegisterCommand, ['--station', 'jazz'])
    await expectCode(nameRegisterCommand.run(['site', '--station', 'jazz'], makeContext(tempDataDir())), 'RADIO_KEY_MISSING')
  })

  it('reads a target given as a URL', () => {
    expect(targetFromUrl(`http://${SOME_REF}.tor-net/`)).toBe(`${SOME_REF}.tor-net`)
    expect(targetFromUrl(`https://${SOME_REF}.tor-net`)).toBe(`${SOME_REF}.tor-net`)
    expect(targetFromUrl(`mailbox:${'ab'.repeat(32)}`)).toBe(`mailbox:${'ab'.repeat(32)}`)
  })
})
