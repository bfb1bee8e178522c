import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { CliContext, Command } from '../../../src/cli/command.js'
import { COMMANDS } from '../../../src/cli/commands/index.js'
import { usageError } from '../../../src/cli/errors.js'
import { EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, runCli } from '../../../src/cli/run-cli.js'
import { TornetError } from '../../../src/node/errors.js'
import { loadIdentity } from '../../../src/node/identity/identity-file.js'
import { capture, tempDataDir } from './cli-test-kit.js'

let dir: string
beforeEach(() => { dir = tempDataDir() })
afterEach(() => { rmSync(dir, { recursive: true, force: true }) })

/** A command table of probes that record what the dispatcher handed them. */
function probes (): { commands: Command[], calls: Array<{ name: string, argv: string[], ctx: CliContext }> } {
  const calls: Array<{ name: string, argv: string[], ctx: CliContext }> = []
  const make = (name: string, run?: Command['run']): Command => ({
    name,
    summary: `summary of ${name}`,
    usage: `Usage: tornet ${name}\n`,
    run: run ?? (async (argv, ctx) => { calls.push({ name, argv, ctx }) })
  })
  return {
    calls,
    commands: [
      make('id new'),
      make('id show'),
      make('ping'),
      make('fail', async () => { throw new TornetError('SOMETHING_FAILED', 'it failed') }),
      make('crash', async () => { throw new Error('bug') }),
      make('misuse', async () => { throw usageError('wrong') }),
      make('exit3', async () => 3),
      { ...make('join'), joinsNetwork: true }
    ]
  }
}

async function cli (argv: string[], commands?: readonly Command[], env: NodeJS.ProcessEnv = {}, signal?: AbortSignal) {
  const stdout = capture()
  const stderr = capture()
  const code = await runCli(argv, { stdout, stderr, env, signal }, commands)
  return { code, out: stdout.text(), err: stderr.text() }
}

describe('runCli dispatch', () => {
  it('--help lists every registered command and exits 0', async () => {
    const r = await cli(['--help'])
    expect(r.code).toBe(EXIT_OK)
    for (const c of COMMANDS) expect(r.out).toContain(c.name)
  })

  it('no command prints the help on stderr and exits 2', async () => {
    const r = await cli([])
    expect(r.code).toBe(EXIT_USAGE)
    expect(r.out).toBe('')
    expect(r.err).toContain('Usage: tornet')
  })

  it('<cmd> --help prints that command\'s usage and does not run it', async () => {
    const p = probes()
    const r = await cli(['id', 'new', '--help'], p.commands)
    expect(r.code).toBe(EXIT_OK)
    expect(r.out).toContain('Usage: tornet id new')
    expect(p.calls).toEqual([])
  })

  it('a command group lists its commands; --help exits 0, bare exits 2', async () => {
    const p = probes()
    const help = await cli(['id', '--help'], p.commands)
    expect(help.code).toBe(EXIT_OK)
    expect(help.out).toContain('id new')
    expect(help.out).toContain('id show')
    expect(help.out).not.toContain('ping')
    expect((await cli(['id'], p.commands)).code).toBe(EXIT_USAGE)
  })

  it('routes by the leading words and passes the rest', async () => {
    const p = probes()
    expect((await cli(['id', 'new', '--rank', '3'], p.commands)).code).toBe(EXIT_OK)
    expect(p.calls).toHaveLength(1)
    expect(p.calls[0].name).toBe('id new')
    expect(p.calls[0].argv).toEqual(['--rank', '3'])
  })

  it('takes --data-dir anywhere, in both spellings, and strips it from the command arguments', async () => {
    const p = probes()
    await cli(['--data-dir', '/d1', 'ping', '-x'], p.commands)
    await cli(['ping', '--data-dir=/d2'], p.commands)
    await cli(['ping', '--', '--data-dir', 'kept'], p.commands)
    expect(p.calls.map(c => c.ctx.dataDir)).toEqual(['/d1', '/d2', expect.any(String)])
    expect(p.calls[0].argv).toEqual(['-x'])
    expect(p.calls[2].argv).toEqual(['--', '--data-dir', 'kept'])
  })

  it('uses $TORNET_HOME when --data-dir is absent', async () => {
    const p = probes()
    await cli(['ping'], p.commands, { TORNET_HOME: '/from-env' })
    expect(p.calls[0].ctx.dataDir).toBe('/from-env')
  })

  it('takes --bootstrap anywhere, repeated, for a command that joins the network', async () => {
    const p = probes()
    expect((await cli(['--bootstrap', '127.0.0.1:9151', 'join', '--bootstrap=[::1]:7', '-x'], p.commands)).code).toBe(EXIT_OK)
    expect(p.calls[0].ctx.bootstrap).toEqual(['127.0.0.1:9151', '[::1]:7'])
    expect(p.calls[0].argv).toEqual(['-x'])
  })

  it('reads $TORNET_BOOTSTRAP (comma-separated) when --bootstrap is absent; the flag wins', async () => {
    const p = probes()
    await cli(['join'], p.commands, { TORNET_BOOTSTRAP: 'a.example:1, 192.0.2.1:9151' })
    await cli(['join', '--bootstrap', 'b.example:2'], p.commands, { TORNET_BOOTSTRAP: 'a.example:1' })
    await cli(['join'], p.commands, {})
    expect(p.calls.map(c => c.ctx.bootstrap)).toEqual([['a.example:1', '192.0.2.1:9151'], ['b.example:2'], undefined])
  })

  it('refuses a malformed peer: exit 2 for the flag, 1 naming the variable for $TORNET_BOOTSTRAP', async () => {
    const p = probes()
    const flag = await cli(['join', '--bootstrap', 'nohost'], p.commands)
    expect(flag.code).toBe(EXIT_USAGE)
    expect(flag.err).toContain('--bootstrap must be HOST:PORT')
    expect((await cli(['join', '--bootstrap'], p.commands)).code).toBe(EXIT_USAGE)
    const env = await cli(['join'], p.commands, { TORNET_BOOTSTRAP: 'ok.example:1,bad:99999' })
    expect(env.code).toBe(EXIT_FAILURE)
    expect(env.err).toContain('$TORNET_BOOTSTRAP')
    expect(env.err).toContain('unset it')
    expect(p.calls).toEqual([])
  })

  it('refuses --bootstrap for a command that does not join, naming those that do; ignores the variable there', async () => {
    const p = probes()
    const r = await cli(['ping', '--bootstrap', '127.0.0.1:9151'], p.commands)
    expect(r.code).toBe(EXIT_USAGE)
    expect(r.err).toContain('The commands that take it: join')
    expect((await cli(['ping'], p.commands, { TORNET_BOOTSTRAP: 'garbage' })).code).toBe(EXIT_OK)
    expect(p.calls[0].ctx.bootstrap).toBeUndefined()
  })

  it('every real command that starts a node and joins takes --bootstrap', () => {
    const joining = COMMANDS.filter(c => c.joinsNetwork === true).map(c => c.name)
    for (const name of ['start', 'demo', 'publish', 'get', 'ls', 'pin', 'peers', 'lookup', 'kv put', 'kv get', 'name register', 'name show', 'radio broadcast']) {
      expect(joining).toContain(name)
    }
    expect(joining).not.toContain('id new')
  })

  it('unknown commands exit 2', async () => {
    const p = probes()
    expect((await cli(['nope'], p.commands)).code).toBe(EXIT_USAGE)
    expect((await cli(['id', 'nope'], p.commands)).code).toBe(EXIT_USAGE)
    expect(p.calls).toEqual([])
  })

  it('--data-dir without a value exits 2', async () => {
    expect((await cli(['ping', '--data-dir'], probes().commands)).code).toBe(EXIT_USAGE)
    expect((await cli(['--data-dir=', 'ping'], probes().commands)).code).toBe(EXIT_USAGE)
  })

  it('a TornetError prints "error: <message>" without a stack and exits 1', async () => {
    const r = await cli(['fail'], probes().commands)
    expect(r.code).toBe(EXIT_FAILURE)
    expect(r.err).toBe('error: it failed\n')
  })

  it('a TornetError after Ctrl-C exits 130', async () => {
    const r = await cli(['fail'], probes().commands, {}, AbortSignal.abort())
    expect(r.code).toBe(EXIT_INTERRUPTED)
  })

  it('a usage error from a command exits 2', async () => {
    expect((await cli(['misuse'], probes().commands)).code).toBe(EXIT_USAGE)
  })

  it('an unexpected error is reported with its stack and exits 1', async () => {
    const r = await cli(['crash'], probes().commands)
    expect(r.code).toBe(EXIT_FAILURE)
    expect(r.err).toContain('    at ')
  })

  it('returns the exit code a command resolves with', async () => {
    expect((await cli(['exit3'], probes().commands)).code).toBe(3)
  })
})

describe('runCli with the real commands', () => {
  it('unknown and malformed flags exit 2 and point at the command help', async () => {
    const bogus = await cli(['id', 'new', '--bogus', '--data-dir', dir])
    expect(bogus.code).toBe(EXIT_USAGE)
    expect(bogus.err).toContain('tornet id new --help')
    expect((await cli(['id', 'new', '--rank', '-1', '--data-dir', dir])).code).toBe(EXIT_USAGE)
    expect((await cli(['id', 'show', 'extra', '--data-dir', dir])).code).toBe(EXIT_USAGE)
  })

  it('id new then id show, end to end in-process', async () => {
    const made = await cli(['id', 'new', '--rank', '6', '--data-dir', dir])
    expect(made.code).toBe(EXIT_OK)
    const id = loadIdentity(dir)?.id.toString('hex')
    expect(id).toBeDefined()
    const shown = await cli(['--data-dir', dir, 'id', 'show'])
    expect(shown.code).toBe(EXIT_OK)
    expect(shown.out).toContain(id)
    const again = await cli(['id', 'new', '--rank', '6', '--data-dir', dir])
    expect(again.code).toBe(EXIT_FAILURE)
    expect(again.err.startsWith('error: ')).toBe(true)
    expect(again.err).not.toContain('    at ')
  })

  it('id show without an identity exits 1', async () => {
    expect((await cli(['id', 'show', '--data-dir', join(dir, 'empty')])).code).toBe(EXIT_FAILURE)
  })
})
