import { parseArgs } from 'node:util'
import type { HiddenServiceInfo } from '../../node/index.js'
import type { CliContext, Command } from '../command.js'
import { usageError } from '../errors.js'
import { withNode } from '../node-session.js'
import { ProgressLine } from '../progress-line.js'

/**
 * Serves a hidden service from this process, in the foreground (as `tornet radio broadcast`
 * does): the node of the data directory runs for as long as the command, keeps the intro
 * points and the descriptor alive, and pipes clients' streams to the local target. Chosen over
 * registering with a running `tornet start` because a running node has no control channel
 * today; the key file stays, so the same command later serves the same address.
 */
export const hiddenAddCommand: Command = {
  name: 'hidden add',
  summary: 'serve 127.0.0.1:PORT as a hidden service NAME.tor-net (runs until Ctrl-C)',
  joinsNetwork: true,
  usage: `Usage: tornet hidden add <name> --to 127.0.0.1:PORT [--no-register]

Makes (or reuses) the hidden service key <name> (kept 0600 in <data-dir>/hidden/<name>.json),
picks 3 introduction points, publishes the service's descriptor under a key blinded by the day,
registers <name>.tor-net to it, and forwards every client's stream to 127.0.0.1:PORT. Clients
reach it through a rendezvous relay of their choosing; neither side learns the other's address.
Runs until Ctrl-C (the service is unreachable while it is not running).

Options:
  --to HOST:PORT   the local server: 127.0.0.1:PORT or [::1]:PORT only
  --no-register    do not register <name>.tor-net (reach it by its key only)
`,
  async run (argv, ctx) {
    const { values, positionals } = parseArgs({
      args: argv, options: { to: { type: 'string' }, 'no-register': { type: 'boolean' } }, strict: true, allowPositionals: true
    })
    if (positionals.length !== 1) throw usageError('give one hidden service name: tornet hidden add NAME --to 127.0.0.1:PORT')
    if (values.to === undefined) throw usageError('say where to forward with --to 127.0.0.1:PORT')
    await serveHidden(ctx, positionals[0], parseLoopbackTarget(values.to), { register: values['no-register'] !== true })
  }
}

/** 127.0.0.1:PORT, localhost:PORT or [::1]:PORT; anything else is a usage error. */
export function parseLoopbackTarget (text: string): { host: string, port: number } {
  const m = /^(127\.0\.0\.1|localhost|\[::1\]):(\d{1,5})$/.exec(text.trim())
  const port = m === null ? NaN : Number(m[2])
  if (m === null || port < 1 || port > 65535) throw usageError(`--to must be 127.0.0.1:PORT or [::1]:PORT (a server on this machine), not '${text}'`)
  return { host: m[1] === '[::1]' ? '::1' : m[1] === 'localhost' ? '127.0.0.1' : m[1], port }
}

export function describeService (s: HiddenServiceInfo): string {
  const pow = s.powRequired ? ', proof of work asked' : ''
  return `${s.name}: ${s.introPoints.length} intro points, ${s.introductions} introductions, ${s.refused} refused${pow}`
}

async function serveHidden (ctx: CliContext, name: string, target: { host: string, port: number }, opts: { register: boolean }): Promise<void> {
  await withNode(ctx, async (node) => {
    ctx.stderr.write(`starting hidden service ${name} → ${target.host}:${target.port} (intro points, descriptor${opts.register ? ', name' : ''})…\n`)
    const info = await node.hidden.add(name, target, { register: opts.register, signal: ctx.signal })
    if (opts.register) ctx.stdout.write(`http://${name}.tor-net/\n`)
    ctx.stdout.write(`hidden-service:${info.publicKey}\n`)
    const line = new ProgressLine(ctx.stderr, ctx.now, 10_000)
    await new Promise<void>(resolve => {
      const timer = setInterval(() => {
        const now = node.hidden.list().find(s => s.name === name)
        if (now !== undefined) line.update(describeService(now))
      }, 1000)
      const done = (): void => { clearInterval(timer); resolve() }
      if (ctx.signal.aborted) done(); else ctx.signal.addEventListener('abort', done, { once: true })
    })
    line.end()
    ctx.stderr.write(`stopped serving ${name}\n`)
  }, { preemptiveCircuits: true })
}
