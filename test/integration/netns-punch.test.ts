/**
 * Hole punching and relays on the namespace network, with bare links in real processes (the built
 * dist/, punch-agent-child.mjs): a public introducer/relay, and hosts behind endpoint-independent
 * and symmetric NATs (nftables masquerade / masquerade random). The full node's fetch does not use
 * these yet (see the todo in netns-nodes.test.ts).
 */
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createInterface } from 'node:readline'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { NetnsNetwork, type NetnsHost } from '../helpers/netns/netns-network.js'
import { describeNetns } from '../helpers/netns/netns-support.js'
import { packageRoot } from '../../src/cli/serve/package-root.js'

const CHILD = fileURLToPath(new URL('../helpers/netns/punch-agent-child.mjs', import.meta.url))
const INTRO_PORT = 7400

async function agent (net: NetnsNetwork, host: NetnsHost, args: string[], ms = 40_000): Promise<Record<string, unknown>> {
  const child = net.spawn(host, process.execPath, [CHILD, ...args], { env: { ...process.env, TORNET_DIST: join(packageRoot(), 'dist') } })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => { stderr += d.toString() })
  return await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`agent ${args[0]} on ${host.name} said nothing in ${ms} ms: ${stderr}`)), ms)
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', (line) => { clearTimeout(timer); resolve(JSON.parse(line)) })
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`agent ${args[0]} on ${host.name} exited (${code ?? 'signal'}): ${stderr}`)) })
  })
}

describeNetns('hole punching and relays (namespace network)', { needsBuild: true }, () => {
  let net: NetnsNetwork
  let introArgs: string[]
  let eTarget: string, sTarget: string
  let eClient: NetnsHost, sClient: NetnsHost

  beforeAll(async () => {
    net = await NetnsNetwork.create()
    const pub = await net.addPublicHost('intro')
    const r1 = await net.addRouter('reim1', 'endpoint-independent')
    const r2 = await net.addRouter('reim2', 'endpoint-independent')
    const r3 = await net.addRouter('rsym1', 'symmetric')
    const r4 = await net.addRouter('rsym2', 'symmetric')
    const eT = await net.addPrivateHost(r1, 'et')
    eClient = await net.addPrivateHost(r2, 'ec')
    const sT = await net.addPrivateHost(r3, 'st')
    sClient = await net.addPrivateHost(r4, 'sc')
    const intro = await agent(net, pub, ['intro', String(INTRO_PORT)])
    introArgs = [pub.address, String(INTRO_PORT), intro.key as string]
    eTarget = (await agent(net, eT, ['target', ...introArgs])).key as string
    sTarget = (await agent(net, sT, ['target', ...introArgs])).key as string
  }, 120_000)

  afterAll(async () => { await net?.close() })

  it('across two endpoint-independent NATs: introduced, both send at once, the session opens on the punched path', async () => {
    const r = await agent(net, eClient, ['punch', ...introArgs, eTarget])
    expect(r.error).toBeUndefined()
    expect(r.ok).toBe('punched')
    // The target's public mapping (its router's address on "the internet"), not its private one.
    const at = r.endpoint as { address: string, port: number }
    expect(at.address).not.toMatch(/^198\.19\./)
    // The control: from another process (another mapping) on the same host, without an
    // introduction, the target's NAT drops the handshake to that very endpoint.
    const direct = await agent(net, eClient, ['direct', at.address, String(at.port), eTarget])
    expect(direct.ok).toBeUndefined()
    expect(direct.error).toMatch(/TIMEOUT|timed out/i)
  }, 60_000)

  it('behind symmetric NATs punching fails, and the relay serves the node to the other NATted node', async () => {
    const punched = await agent(net, sClient, ['punch', ...introArgs, sTarget])
    expect(punched.error).toMatch(/PUNCH_FAILED/)
    const relayed = await agent(net, sClient, ['relay', ...introArgs, sTarget])
    expect(relayed.error).toBeUndefined()
    expect(relayed.ok).toBe('relayed')
  }, 90_000)
})
