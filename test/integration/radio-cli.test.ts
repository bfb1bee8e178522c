import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../../src/cli/run-cli.js'
import { generateIdentity } from '../../src/node/identity/identity.js'
import { saveIdentity } from '../../src/node/identity/identity-file.js'
import type { TornetNode } from '../../src/node/index.js'
import type { Listening, VerifiedSegment } from '../../src/node/services/radio/radio-api.js'
import { makeCliHome } from '../helpers/cli-home.js'
import { createTestnet, type Testnet } from '../helpers/testnet.js'
import { capture } from '../unit/cli/cli-test-kit.js'

/**
 * The radio commands end to end on four real nodes over loopback UDP: a CLI
 * data directory bootstrapping from them makes a station, names it, and
 * broadcasts a file that a listener on another node hears. The broadcast part
 * needs the node's radio service and says so when a build lacks it.
 */
const DIFFICULTY = 8
const TONE = join(import.meta.dirname, '..', 'fixtures', 'radio', 'tone.mp3')

describe('tornet radio against a 4-node network', () => {
  let net: Testnet
  let cliDir: string
  let stationId = ''

  async function tornet (args: string[], signal?: AbortSignal): Promise<{ code: number, out: string, err: string }> {
    const stdout = capture()
    const stderr = capture()
    const code = await runCli([...args, '--data-dir', cliDir], { stdout, stderr, env: {}, signal })
    return { code, out: stdout.text(), err: stderr.text() }
  }

  beforeAll(async () => {
    net = await createTestnet(4, { config: { names: { difficulty: DIFFICULTY } }, probeMtu: 16_000 })
    cliDir = makeCliHome(net.nodes[1].endpoint, DIFFICULTY)
    saveIdentity(cliDir, generateIdentity())
  })

  afterAll(async () => {
    await net?.close()
    if (cliDir !== undefined) rmSync(cliDir, { recursive: true, force: true })
  })

  it('radio create, then name register --station: the name resolves to the station on other nodes', async () => {
    const created = await tornet(['radio', 'create', 'live'])
    expect(created.code).toBe(0)
    stationId = /^id\s+([0-9a-f]{64})$/m.exec(created.out)?.[1] ?? ''
    expect(stationId).toHaveLength(64)
    const named = await tornet(['name', 'register', 'live-radio', '--station', 'live'])
    expect(named.code, named.err).toBe(0)
    expect(named.out).toBe('http://live-radio.tor-net/\n')
    const found = await net.nodes[3].names.lookup('live-radio')
    expect(found.target).toEqual({ kind: 'station', value: Buffer.from(stationId, 'hex') })
  })

  it('radio broadcast feeds the tree: a listener on another node hears the file, titled', async (t) => {
    const ac = new AbortController()
    const running = tornet(['radio', 'broadcast', 'live', TONE, '--loop'], ac.signal)
    const listener = net.nodes[3].radio
    let listening: Listening | undefined
    for (let tries = 0; listening === undefined; tries++) {
      try {
        listening = await listener.listen(Buffer.from(stationId, 'hex'))
      } catch (err) {
        if (tries > 20) throw err
        await new Promise(resolve => setTimeout(resolve, 500))
      }
    }
    const audio: VerifiedSegment[] = []
    const titles: string[] = []
    listening.on('segment', (s) => {
      if (s.kind === 'audio') audio.push(s)
      if (s.kind === 'title') titles.push(s.payload.toString('utf8'))
    })
    await new Promise(resolve => setTimeout(resolve, 4000))
    listening.close()
    ac.abort()
    const r = await running
    expect(r.code, r.err).toBe(0)
    // About 4 s of 500 ms segments (less the join), each whole MP3 frames of the fixture.
    expect(audio.length).toBeGreaterThanOrEqual(4)
    for (const s of audio) expect(s.payload[0]).toBe(0xff)
    // The title went out before this listener joined, so it comes with the station, or again on the loop.
    expect([listening.station.nowPlaying, ...titles]).toContainEqual('Tornet - Fixture Tone')
    expect(r.err).toMatch(/broadcasting live \(mp3/)
  })
})
