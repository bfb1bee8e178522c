/**
 * Issue 14's "done when": after `npm start`, `vlc http://127.0.0.1:9150/radio/welcome-radio`
 * plays. The demo network (real nodes on 127.0.0.1 UDP) broadcasts the
 * station welcome-radio from sample/radio/; VLC opens it through the
 * gateway by its name and must play at least 5 s of audio and show a
 * now-playing title.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startDemoNetwork, type DemoNetwork } from '../../src/cli/serve/demo-network.js'
import { describeWithClients } from '../helpers/e2e-clients.js'
import { playWithVlc, vlcTitles } from '../helpers/vlc.js'
import { audibleSeconds, parseWav } from '../helpers/wav.js'

const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts')

let demo: DemoNetwork
let dataDir: string

describeWithClients('the demo station welcome-radio in VLC', ['vlc'], () => {
  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true })
    dataDir = await mkdtemp(join(tmpdir(), 'tornet-radio-demo-'))
    demo = await startDemoNetwork({ dataDir, nodes: 4, gatewayPort: 0, rank: 4, nameDifficulty: 8 })
  }, 120_000)

  afterAll(async () => {
    await demo?.close()
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true })
  })

  it('plays http://<gateway>/radio/welcome-radio with its now-playing title', async () => {
    const url = `${demo.served.gateway.url}/radio/welcome-radio`
    const run = await playWithVlc(url, { seconds: 8, keepIn: join(ARTIFACTS, 'radio-demo-vlc') })
    expect(run.wav.length, `VLC wrote no audio; its log ends:\n${run.log.slice(-2000)}`).toBeGreaterThan(44)
    expect(audibleSeconds(parseWav(run.wav))).toBeGreaterThanOrEqual(5)
    expect(vlcTitles(run.log).filter(t => t.length > 0).length).toBeGreaterThan(0)
  })
})
