import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../../src/cli/run-cli.js'
import { generateIdentity, type Identity } from '../../src/node/identity/identity.js'
import { saveIdentity } from '../../src/node/identity/identity-file.js'
import { makeCliHome } from '../helpers/cli-home.js'
import { createTestnet, type Testnet } from '../helpers/testnet.js'
import { capture } from '../unit/cli/cli-test-kit.js'

/**
 * The content and network commands end to end: five real nodes on 127.0.0.1, and a CLI data
 * directory whose config.json bootstraps from one of them. Every command runs in-process
 * through runCli, as `tornet --data-dir DIR …` would, on its own short-lived node.
 */
const DIFFICULTY = 8

interface Run { code: number, out: string, err: string }

describe('tornet content and network commands against a 5-node network', () => {
  let net: Testnet
  let cliDir: string
  let work: string
  let site: string
  let me: Identity
  const files = new Map<string, Buffer>()

  async function tornet (...args: string[]): Promise<Run> {
    const stdout = capture()
    const stderr = capture()
    const t0 = Date.now()
    const code = await runCli([...args, '--data-dir', cliDir], { stdout, stderr, env: {} })
    // CLI_TEST_SHOW=1 prints every command with its output, for debugging.
    if (process.env.CLI_TEST_SHOW === '1') console.log(`$ tornet ${args.join(' ')} → ${code} in ${Date.now() - t0} ms\n${stdout.text()}--- stderr:\n${stderr.text()}`)
    return { code, out: stdout.text(), err: stderr.text() }
  }

  function expectOk (r: Run): void {
    expect(r.code, `exit ${r.code}\nstdout:\n${r.out}\nstderr:\n${r.err}`).toBe(0)
  }

  beforeAll(async () => {
    net = await createTestnet(5, { config: { names: { difficulty: DIFFICULTY } } })
    work = mkdtempSync(join(tmpdir(), 'tornet-cli-work-'))
    cliDir = makeCliHome(net.nodes[1].endpoint, DIFFICULTY)
    // A node caches a chunk on request only for a peer of at least its own rank (cache-admission.ts),
    // so the CLI's identity outranks the testnet's random ones, as a publisher's mined rank would.
    const top = Math.max(...net.nodes.map(n => n.identity.rank))
    do me = generateIdentity(); while (me.rank < top)
    saveIdentity(cliDir, me)

    site = join(work, 'site')
    mkdirSync(join(site, 'sub', 'deeper'), { recursive: true })
    files.set('index.html', Buffer.from('<h1>hello from the CLI</h1>'))
    files.set('big.bin', randomBytes(2 * 1024 * 1024 + 12345)) // split into parts: a header and 3 chunks
    files.set('empty.txt', Buffer.alloc(0))
    files.set('sub/a.txt', Buffer.from('a'.repeat(5000)))
    files.set('sub/deeper/b.txt', Buffer.from('deep'))
    for (const [rel, body] of files) writeFileSync(join(site, ...rel.split('/')), body)
  })

  afterAll(async () => {
    await net?.close()
    rmSync(cliDir, { recursive: true, force: true })
    rmSync(work, { recursive: true, force: true })
  })

  let url = ''
  let ref = ''

  it('publish prints the reference URL and, with --name, the name URL', async () => {
    const r = await tornet('publish', site, '--name', 'clisite')
    expectOk(r)
    const lines = r.out.trim().split('\n')
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatch(/^http:\/\/[a-z2-7]{56}\.[a-z2-7]{56}\.tor-net\/$/)
    expect(lines[1]).toBe('http://clisite.tor-net/')
    expect(r.err).toMatch(/joined: [1-9]\d* answers? from bootstrap and remembered peers, [1-9]\d* contacts? in the routing table/)
    expect(r.err).toMatch(/replicated: all \d+ chunks are held by at least 2 other nodes/)
    url = lines[0]
    ref = new URL(url).hostname.replace(/\.tor-net$/, '')
    // The CLI walks the tree itself (to count progress): the same tree must give the same reference.
    expect((await net.nodes[0].publish(site)).host).toBe(ref)
  })

  it('another machine gets what the CLI published, after the publishing node has gone', async () => {
    // A second CLI home: its own identity, nothing in its store. The publisher's node stopped
    // when `tornet publish` returned, so the chunks can only come from the copies it left.
    const elsewhere = mkdtempSync(join(tmpdir(), 'tornet-cli-home2-'))
    try {
      writeFileSync(join(elsewhere, 'config.json'), readFileSync(join(cliDir, 'config.json')))
      saveIdentity(elsewhere, generateIdentity())
      const out = join(work, 'elsewhere.bin')
      const stdout = capture()
      const stderr = capture()
      const code = await runCli(['get', 'clisite.tor-net/big.bin', '-o', out, '--data-dir', elsewhere], { stdout, stderr, env: {} })
      expect(code, stderr.text()).toBe(0)
      expect(readFileSync(out).equals(files.get('big.bin') as Buffer)).toBe(true)
    } finally {
      rmSync(elsewhere, { recursive: true, force: true })
    }
  })

  it('ls lists a directory by URL, by reference and by name', async () => {
    const top = await tornet('ls', url)
    expectOk(top)
    const names = top.out.trim().split('\n').map(l => l.trim().split(/\s+/).pop())
    expect(names).toEqual(['big.bin', 'empty.txt', 'index.html', 'sub/'])
    expect(top.out).toMatch(/^file\s+2\.01 MiB\s+big\.bin$/m)

    const sub = await tornet('ls', 'clisite.tor-net/sub', '--bytes')
    expectOk(sub)
    expect(sub.out).toMatch(/^file\s+5000\s+a\.txt$/m)
    expect(sub.out).toMatch(/^dir\s+-\s+deeper\/$/m)

    const one = await tornet('ls', `${ref}/sub/a.txt`)
    expectOk(one)
    expect(one.out.trim().split('\n')).toHaveLength(1)
  })

  it('name show reports the owner, the target and the history', async () => {
    const r = await tornet('name', 'show', 'clisite')
    expectOk(r)
    expect(r.out).toContain(`owner     ${me.publicKey.toString('hex')} (this node)`)
    expect(r.out).toContain(`target    ${url}`)
    expect(r.out).toMatch(/^history\s+1 registration$/m)
    const unknown = await tornet('name', 'show', 'nobody-registered-this')
    expect(unknown.code).toBe(1)
    expect(unknown.err).toMatch(/^error: /m)
  })

  it('get downloads a file byte-exact, and a whole tree by name', async () => {
    const out = join(work, 'big.copy')
    const r = await tornet('get', `${url}big.bin`, '-o', out)
    expectOk(r)
    expect(readFileSync(out).equals(files.get('big.bin') as Buffer)).toBe(true)
    expect(existsSync(`${out}.part`)).toBe(false)

    const tree = join(work, 'tree')
    const t = await tornet('get', 'clisite.tor-net', '-o', tree)
    expectOk(t)
    for (const [rel, body] of files) expect(readFileSync(join(tree, ...rel.split('/'))).equals(body), rel).toBe(true)

    // Again: complete files are kept, not fetched again.
    const again = await tornet('get', 'clisite.tor-net', '-o', tree)
    expectOk(again)
    expect(again.err).toContain('5 files were already complete')
  })

  it('get fetches another node\'s file over the network and resumes a partial download', async () => {
    const data = randomBytes(3 * 1024 * 1024 + 777)
    const src = join(work, 'remote')
    mkdirSync(src)
    writeFileSync(join(src, 'data.bin'), data)
    const published = await net.nodes[3].publish(src)

    const out = join(work, 'data.bin')
    const have = 1024 * 1024 + 4321
    writeFileSync(`${out}.part`, data.subarray(0, have))
    const r = await tornet('get', `${published.host}.tor-net/data.bin`, '-o', out)
    expectOk(r)
    // Kept: the first part (1 MiB less 8 bytes), checked against its hash; the bytes past it
    // are a part cut short, with no hash of their own, and come again.
    expect(r.err).toMatch(/resumed after 1024 KiB\); 4\.23 KiB of the partial download did not check or was a part cut short/)
    expect(readFileSync(out).equals(data)).toBe(true)
    expect(existsSync(`${out}.part`)).toBe(false)

    // A damaged partial file: each kept part is checked against its hash first, so the bad
    // part and everything after it come again, and the file still ends byte-exact.
    const bad = join(work, 'data-bad.bin')
    const wrong = Buffer.from(data.subarray(0, have))
    wrong[100] ^= 0xff
    writeFileSync(`${bad}.part`, wrong)
    const b = await tornet('get', `http://${published.host}.tor-net/data.bin`, '-o', bad)
    expectOk(b)
    expect(b.err).not.toMatch(/resumed after/)
    expect(b.err).toMatch(/of the partial download did not check or was a part cut short, and came again/)
    expect(readFileSync(bad).equals(data)).toBe(true)
    expect(existsSync(`${bad}.part`)).toBe(false)
  })

  it('kv put then kv get, by --mine and by namespace', async () => {
    const put = await tornet('kv', 'put', 'greeting', 'hello tornet', '--ttl', '1h')
    expectOk(put)
    expect(put.out).toMatch(/^replicas\s+[1-9]\d* accepted/m)
    const mine = await tornet('kv', 'get', '--mine', 'greeting')
    expectOk(mine)
    expect(mine.out).toMatch(/^value\s+hello tornet$/m)
    const byNs = await tornet('kv', 'get', me.publicKey.toString('hex'), 'greeting', '--raw')
    expectOk(byNs)
    expect(byNs.out).toBe('hello tornet\n')
    const missing = await tornet('kv', 'get', '--mine', 'no-such-key')
    expect(missing.code).toBe(1)
    expect(missing.err).toContain('no live record for "no-such-key"')
  })

  it('lookup finds a node by its id and prints the path', async () => {
    const target = net.nodes[4].identity.id.toString('hex')
    const r = await tornet('lookup', target)
    expectOk(r)
    expect(r.out).toMatch(/^hops\s+\d+$/m)
    expect(r.out).toMatch(/^hop \d+\s+ask\s+/m)
    // The node itself is the closest: distance 0.
    expect(r.out).toMatch(new RegExp(`^\\s*1\\s+${target}\\s+\\S+\\s+0\\s+0{16}$`, 'm'))
  })

  it('lookup --via runs the lookup at a peer through a 1-hop circuit and prints the closest nodes', async () => {
    const target = net.nodes[4].identity.id.toString('hex')
    const delegate = net.nodes[2]
    const r = await tornet('lookup', target, '--via', `${delegate.identity.publicKey.toString('hex')}@${delegate.endpoint.address}:${delegate.endpoint.port}`)
    expectOk(r)
    expect(r.out).toMatch(/^via\s+[0-9a-f]{64}@/m)
    expect(r.out).not.toMatch(/^hop \d+\s+ask/m)
    expect(r.out).toMatch(new RegExp(`^\\s*1\\s+${target}\\s+\\S+\\s+0\\s+0{16}$`, 'm'))
    expect(delegate.exitStats()?.lookups).toBeGreaterThan(0)
    const bad = await tornet('lookup', target, '--via', 'nowhere')
    expect(bad.code).not.toBe(0)
    expect(bad.err).toContain('is not a peer')
  })

  it('peers shows the routing table and the peer accounts', async () => {
    const r = await tornet('peers')
    expectOk(r)
    expect(r.out).toMatch(/routing table: [1-9]\d* contacts?/)
    expect(r.out).toContain(net.nodes[1].identity.id.toString('hex').slice(0, 16))
    expect(r.out).toMatch(/peer accounts: [1-9]/)
  })

  it('pin keeps fetched content for good; unpin lets it go; store shows both', async () => {
    const before = await tornet('store')
    expectOk(before)
    const pinnedBefore = Number(/^pinned\s+(\d+) chunk/m.exec(before.out)?.[1])
    const cachedBefore = Number(/^cache\s+(\d+) chunk/m.exec(before.out)?.[1])
    expect(cachedBefore).toBeGreaterThan(0) // the remote file fetched above

    const remote = join(work, 'remote2')
    mkdirSync(remote)
    writeFileSync(join(remote, 'x.txt'), randomBytes(300_000))
    const published = await net.nodes[2].publish(remote)
    const pin = await tornet('pin', published.host)
    expectOk(pin)
    expect(pin.out).toMatch(/^pinned \d+ chunks? .*: 0 already pinned, [1-9]\d* fetched from the network$/m)
    const n = Number(/^pinned (\d+)/.exec(pin.out)?.[1])
    const after = await tornet('store')
    expect(Number(/^pinned\s+(\d+) chunk/m.exec(after.out)?.[1])).toBe(pinnedBefore + n)

    const unpin = await tornet('unpin', published.host)
    expectOk(unpin)
    expect(unpin.out).toMatch(new RegExp(`^unpinned ${n} chunks? .*: ${n} moved to the cache`, 'm'))
    const last = await tornet('store')
    expect(Number(/^pinned\s+(\d+) chunk/m.exec(last.out)?.[1])).toBe(pinnedBefore)
    expect(last.out).toContain(`data dir     ${cliDir}`)
  })
})
