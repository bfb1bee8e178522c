import { rmSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../../src/cli/run-cli.js'
import { generateIdentity } from '../../src/node/identity/identity.js'
import { saveIdentity } from '../../src/node/identity/identity-file.js'
import { makeCliHome } from '../helpers/cli-home.js'
import { httpGetOver, startRecordingServer } from '../helpers/memory-hidden-net.js'
import { createTestnet, type Testnet } from '../helpers/testnet.js'
import { capture } from '../unit/cli/cli-test-kit.js'

/**
 * `tornet hidden add` end to end on real nodes over loopback UDP: the command
 * serves a local HTTP server in the foreground from its own data directory;
 * a client node reaches it by NAME.tor-net through real circuits until Ctrl-C;
 * `hidden list` shows it and `hidden remove` deletes it.
 */
const DIFFICULTY = 6

describe('tornet hidden against a 10-node network', () => {
  let net: Testnet
  let cliDir: string
  let web: Awaited<ReturnType<typeof startRecordingServer>>

  async function tornet (args: string[], signal?: AbortSignal, onOut?: (text: string) => void): Promise<{ code: number, out: string, err: string }> {
    const stdout = capture()
    const stderr = capture()
    const out = onOut === undefined ? stdout : { write: (t: string) => { stdout.write(t); onOut(stdout.text()) } }
    const code = await runCli([...args, '--data-dir', cliDir], { stdout: out, stderr, env: {}, signal })
    return { code, out: stdout.text(), err: stderr.text() }
  }

  beforeAll(async () => {
    net = await createTestnet(10, { config: { names: { difficulty: DIFFICULTY } } })
    cliDir = makeCliHome(net.nodes[1].endpoint, DIFFICULTY)
    saveIdentity(cliDir, generateIdentity())
    web = await startRecordingServer('served by the CLI')
  }, 60_000)

  afterAll(async () => {
    await net?.close()
    await web?.close()
    if (cliDir !== undefined) rmSync(cliDir, { recursive: true, force: true })
  })

  it('hidden add serves until Ctrl-C; a client gets the page by name; list and remove', async () => {
    const ac = new AbortController()
    let announced: (key: string) => void = () => {}
    const keyPrinted = new Promise<string>(resolve => { announced = resolve })
    const running = tornet(['hidden', 'add', 'clisite', '--to', `127.0.0.1:${web.port}`], ac.signal, text => {
      const m = /^hidden-service:([0-9a-f]{64})$/m.exec(text)
      if (m !== null) announced(m[1])
    })
    const key = await Promise.race([keyPrinted, running.then(r => { throw new Error(`hidden add ended early (${r.code}): ${r.err}`) })])
    const client = net.nodes[7]
    const found = await client.names.lookup('clisite')
    expect(found.target.value.toString('hex')).toBe(key)
    expect(await httpGetOver(await client.hidden.connect(found.target.value))).toContain('served by the CLI')
    ac.abort()
    const done = await running
    expect(done.out).toContain('http://clisite.tor-net/')
    expect(done.err).toContain('stopped serving clisite')

    const listed = await tornet(['hidden', 'list'])
    expect(listed.out).toContain(key)
    expect((await tornet(['hidden', 'remove', 'clisite'])).code).toBe(0)
    expect((await tornet(['hidden', 'list'])).out).not.toContain(key)
  }, 90_000)
})
