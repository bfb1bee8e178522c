import { describe, expect, it } from 'vitest'
import { queuePost } from '../../../../src/cli/radio-post-spool.js'
import { DEMO_STATION, startDemoRadio } from '../../../../src/cli/serve/demo-radio.js'
import { TornetError, loadStationKey, type TornetNode } from '../../../../src/node/index.js'
import { tempDataDir } from '../cli-test-kit.js'
import { fakeRadio } from '../fake-radio.js'

interface Registered { name: string, target: { kind: string, value: Buffer } }

/** The parts of a node the demo station touches: its radio, its names and its identity. */
function fakeNode (radio: ReturnType<typeof fakeRadio> | undefined, held?: Registered): TornetNode & { registered: Registered[] } {
  const publicKey = Buffer.alloc(32, 5)
  const registered: Registered[] = []
  return {
    radio,
    registered,
    identity: { publicKey },
    names: {
      lookup: async (name: string) => {
        if (held?.name !== name) throw new TornetError('NAME_NOT_FOUND', 'no such name')
        return { owner: publicKey, target: held.target }
      },
      register: async (name: string, target: Registered['target']) => { registered.push({ name, target }) }
    }
  } as unknown as TornetNode & { registered: Registered[] }
}

describe('the demo station', () => {
  it('broadcasts the sample tunes as welcome-radio, names it, takes posts, and stops', async () => {
    const dir = tempDataDir()
    const radio = fakeRadio()
    const node = fakeNode(radio)
    const steps: string[] = []
    const demo = await startDemoRadio({ keyDir: dir, broadcaster: node, gatewayUrl: 'http://127.0.0.1:9150', onStep: (m) => steps.push(m) })
    expect(demo?.url).toBe('http://127.0.0.1:9150/radio/welcome-radio')
    const key = loadStationKey(dir, DEMO_STATION)
    const b = radio.broadcasts[0]
    expect(b.info).toMatchObject({ label: 'welcome-radio', codec: 'mp3', bitrateKbps: 64 })
    expect(b.key.publicKey).toEqual(key.publicKey)
    expect(node.registered).toEqual([{ name: 'welcome-radio', target: { kind: 'station', value: key.publicKey } }])
    await new Promise(resolve => setTimeout(resolve, 300))
    // The first second of the first tune goes out at once (the pacer's lead), titled from its tag.
    expect(b.calls[0]).toMatchObject({ what: 'title', text: 'Tornet demo - First Light' })
    expect(b.calls.filter(c => c.what === 'audio').length).toBeGreaterThanOrEqual(2)
    queuePost(dir, DEMO_STATION, 'hello listeners')
    await new Promise(resolve => setTimeout(resolve, 700))
    expect(b.calls.filter(c => c.what === 'post')).toEqual([expect.objectContaining({ text: 'hello listeners' })])
    await demo?.close()
    expect(b.calls.at(-1)?.what).toBe('close')

    // A second start reuses the key and does not register again.
    const again = fakeNode(fakeRadio(), { name: 'welcome-radio', target: { kind: 'station', value: key.publicKey } })
    const demo2 = await startDemoRadio({ keyDir: dir, broadcaster: again, gatewayUrl: 'http://127.0.0.1:9150', onStep: () => {} })
    expect(again.registered).toEqual([])
    await demo2?.close()
  })
})
