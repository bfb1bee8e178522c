import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../../src/cli/run-cli.js'
import { makeCliHome } from '../helpers/cli-home.js'
import { createTestnet, type Testnet } from '../helpers/testnet.js'
import { corpus } from '../helpers/search-corpus.js'
import { publishSite } from '../helpers/search-sites.js'
import { capture } from '../unit/cli/cli-test-kit.js'

/**
 * The search commands end to end: four real nodes on 127.0.0.1, one of which publishes a site;
 * every command runs in-process through runCli on its own short-lived node, as
 * `tornet --data-dir DIR …` would.
 */
describe('tornet tag, tags, search-tags, index build and search against a 4-node network', () => {
  let net: Testnet
  let cliDir: string
  let reference: string

  async function tornet (...args: string[]): Promise<{ code: number, out: string, err: string }> {
    const stdout = capture()
    const stderr = capture()
    const code = await runCli([...args, '--data-dir', cliDir], { stdout, stderr, env: {} })
    return { code, out: stdout.text(), err: stderr.text() }
  }

  beforeAll(async () => {
    net = await createTestnet(4)
    cliDir = makeCliHome(net.nodes[1].endpoint, 8)
    reference = (await publishSite(net.nodes[2], 'cli site', corpus(40))).reference
  })
  afterAll(async () => { await net?.close() })

  it('tags a reference, lists its tags, and finds it by word', async () => {
    const tagged = await tornet('tag', reference, 'Jazz', 'music')
    expect(tagged.code, tagged.err).toBe(0)
    expect(tagged.out).toMatch(/words {5}jazz music/)
    const tags = await tornet('tags', `http://${reference}.tor-net/`)
    expect(tags.code, tags.err).toBe(0)
    expect(tags.out).toContain('jazz music')
    const found = await tornet('search-tags', 'JAZZ')
    expect(found.code, found.err).toBe(0)
    expect(found.out).toContain(`http://${reference}.tor-net/`)
    const bad = await tornet('tag', reference, 'the')
    expect(bad.code).not.toBe(0)
    expect((await tornet('search-tags', 'x')).code).not.toBe(0)
  })

  it('builds an index of the site and searches it', async () => {
    const built = await tornet('index', 'build', reference)
    expect(built.code, built.err).toBe(0)
    expect(built.out).toMatch(/documents 41 from 1 sites/)
    const found = await tornet('search', 'thunderbird')
    expect(found.code, found.err).toBe(0)
    expect(found.out).toMatch(/Thunderbird/)
    expect(found.out).toContain(`http://${reference}.tor-net/page-`)
    const none = await tornet('search', 'zzqxxv')
    expect(none.out).toBe('no results\n')
  })
})
