import { statSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { radioCreateCommand } from '../../../../src/cli/commands/radio-create.js'
import { radioListCommand } from '../../../../src/cli/commands/radio-list.js'
import { loadStationKey } from '../../../../src/node/index.js'
import { stationKeyPath } from '../../../../src/node/services/radio/station-key.js'
import { makeContext, tempDataDir } from '../cli-test-kit.js'
import { expectCode, expectUsageError } from './command-test-kit.js'

describe('tornet radio create / list', () => {
  it('creates a station and prints its id and address; list shows it', async () => {
    const dir = tempDataDir()
    const ctx = makeContext(dir)
    await radioCreateCommand.run(['jazz'], ctx)
    const id = loadStationKey(dir, 'jazz').publicKey.toString('hex')
    expect(ctx.stdout.text()).toBe(`station  jazz\nid       ${id}\nurl      http://127.0.0.1:9150/radio/${id}\n`)
    expect(statSync(stationKeyPath(dir, 'jazz')).mode & 0o777).toBe(0o600)
    const list = makeContext(dir)
    await radioListCommand.run([], list)
    expect(list.stdout.text()).toContain(`jazz   ${id}  http://127.0.0.1:9150/radio/${id}`)
  })

  it('refuses a second station of the same label and bad labels', async () => {
    const dir = tempDataDir()
    await radioCreateCommand.run(['a'], makeContext(dir))
    await expectCode(radioCreateCommand.run(['a'], makeContext(dir)), 'RADIO_KEY_EXISTS')
    await expectCode(radioCreateCommand.run(['../x'], makeContext(dir)), 'RADIO_INVALID_ARGUMENT')
    await expectUsageError(radioCreateCommand, [])
    await expectUsageError(radioCreateCommand, ['a', 'b'])
  })

  it('list says how to start when there are none', async () => {
    const ctx = makeContext(tempDataDir())
    await radioListCommand.run([], ctx)
    expect(ctx.stdout.text()).toBe('')
    expect(ctx.stderr.text()).toContain('tornet radio create')
  })
})
