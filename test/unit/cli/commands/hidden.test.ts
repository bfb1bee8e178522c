import { rmSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { hiddenAddCommand, parseLoopbackTarget } from '../../../../src/cli/commands/hidden-add.js'
import { hiddenListCommand } from '../../../../src/cli/commands/hidden-list.js'
import { hiddenRemoveCommand } from '../../../../src/cli/commands/hidden-remove.js'
import { isTornetError } from '../../../../src/node/errors.js'
import { loadOrCreateHiddenKey } from '../../../../src/node/services/tunnels/hidden/hs-key-file.js'
import { makeContext, tempDataDir } from '../cli-test-kit.js'

const dirs: string[] = []
const dir = (): string => { const d = tempDataDir(); dirs.push(d); return d }
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }) })

const codeOf = async (p: Promise<unknown>): Promise<string | undefined> => {
  const err = await p.then(() => undefined, (e: unknown) => e)
  return isTornetError(err) ? err.code : err === undefined ? undefined : String(err)
}

describe('tornet hidden add|list|remove', () => {
  it('add takes loopback targets only, before any node starts', async () => {
    expect(parseLoopbackTarget('127.0.0.1:8080')).toEqual({ host: '127.0.0.1', port: 8080 })
    expect(parseLoopbackTarget('[::1]:80')).toEqual({ host: '::1', port: 80 })
    expect(parseLoopbackTarget('localhost:3000')).toEqual({ host: '127.0.0.1', port: 3000 })
    const ctx = makeContext(dir())
    for (const bad of ['10.0.0.1:80', '127.0.0.1:0', '127.0.0.1:70000', 'example.com:80', '127.0.0.1']) {
      expect(await codeOf(hiddenAddCommand.run(['site', '--to', bad], ctx))).toBe('CLI_USAGE')
    }
    expect(await codeOf(hiddenAddCommand.run(['site'], ctx))).toBe('CLI_USAGE')
    expect(await codeOf(hiddenAddCommand.run(['--to', '127.0.0.1:80'], ctx))).toBe('CLI_USAGE')
  })

  it('list shows saved services with their keys; remove deletes one', async () => {
    const d = dir()
    const empty = makeContext(d)
    await hiddenListCommand.run([], empty)
    expect(empty.stderr.text()).toContain('no hidden services yet')
    const key = loadOrCreateHiddenKey(d, 'guestbook', { host: '127.0.0.1', port: 8080 })
    const ctx = makeContext(d)
    await hiddenListCommand.run([], ctx)
    expect(ctx.stdout.text()).toContain('guestbook')
    expect(ctx.stdout.text()).toContain('127.0.0.1:8080')
    expect(ctx.stdout.text()).toContain(key.publicKey.toString('hex'))
    const rm = makeContext(d)
    await hiddenRemoveCommand.run(['guestbook'], rm)
    expect(rm.stdout.text()).toContain('removed hidden service guestbook')
    expect(await codeOf(hiddenRemoveCommand.run(['guestbook'], makeContext(d)))).toBe('CLI_USAGE')
    const after = makeContext(d)
    await hiddenListCommand.run([], after)
    expect(after.stdout.text()).toBe('')
  })
})
