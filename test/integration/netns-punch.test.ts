/**
 * Hole punching and relays on the namespace network, with bare links in real processes (the built
 * dist/, punch-agent-child.mjs): a public introducer/relay, and hosts behind endpoint-independent
 * and symmetric NATs (nftables masquerade / masquerade random). The full node's fetch uses both
 * through LinkServiceNetwork (netns-nodes.test.ts); here the relay's own view is checked too.
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

interface Agent { first: Record<string, unknown>, ask: (line: string) => Promise<Record<string, unknown>> }

async function agent (net: NetnsNetwork, host: NetnsHost, args: string[], ms = 40_000): Promise<Record<string, unknown>> {
  return (await agentProcess(net, host, args, ms)).first
}

/** Starts an agent; its first JSON line, and a way to ask it more (one line in, one JSON line out). */
async function agentProcess (net: NetnsNetwork, host: NetnsHost, args: string[], ms = 40_000): Promise<Agent> {
  const child = net.spawn(host, process.execPath, [CHILD, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, TORNET_DIST: join(packageRoot(), 'dist') } })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => { stderr += d.toString() })
  const waiting: Array<(line: string) => void> = []
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => { waiting.shift()?.(line) })
  const next = async (what: string): Promise<Record<string, unknown>> => await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`agent ${args[0]} on ${host.name} said nothing to ${what} in ${ms} ms: ${stderr}`)), ms)
    const exited = (code: number | null): void => { clearTimeout(timer); reject(new Error(`agent ${args[0]} on ${host.name} exited (${code ?? 'signal'}): ${stderr}`)) }
    child.once('exit', exited)
    waiting.push((line) => { clearTimeout(timer); child.off('exit', exited); resolve(JSON.parse(line)) })
  })
  const first = await next('its start')
  return {
    first,
    ask: async (line) => {
      const answer = next(line)
      child.stdin?.write(line + '\n')
      return await answer
    }
  }
}

describeNetns('hole punching and relays (namespace network)', { needsBuild: true }, () => {
  let net: NetnsNetwork
  let introArgs: string[]
  let introAgent: Agent
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
    introAgent = await agentProcess(net, pub, ['intro', String(INTRO_PORT)])
    introArgs = [pub.address, String(INTRO_PORT), introAgent.first.key as string]
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

  it('behind symmetric NATs punching fails, and the relay serves the node to the other NATted node, seeing only ciphertext', async () => {
    const punched = await agent(net, sClient, ['punch', ...introArgs, sTarget])
    expect(punched.error).toMatch(/PUNCH_FAILED/)
    const before = await introAgent.ask('stats')
    const relayed = await agent(net, sClient, ['relay', ...introArgs, sTarget])
    expect(relayed.error).toBeUndefined()
    expect(relayed.ok).toBe('relayed')
    // The relay's view (its onForward hook, in its own process): every packet of a 30,000-byte
    // echo whose plaintext repeats a 32-byte marker went through it, both ways, and not one held
    // the marker; the control packet, sent through the same relay outside the session, did show.
    const after = await introAgent.ask('stats')
    expect((after.bytes as number) - (before.bytes as number)).toBeGreaterThan(2 * 30_000)
    expect((after.forwarded as number) - (before.forwarded as number)).toBeGreaterThan(2 * 25)
    expect(after.marker).toBe(0)
    expect((after.control as number) - (before.control as number)).toBe(1)
  }, 90_000)
})
