import type { ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { NetnsHost, NetnsNetwork } from './netns-network.js'

/**
 * One real UDP socket in a host's namespace (a small node child, udp-agent-child.mjs, since a
 * socket lives in the namespace of the process that opens it): send from it, and see every
 * datagram it got with the address and port it came from, as the NAT rewrote them.
 */
export interface Datagram { from: string, port: number, text: string }

const CHILD = fileURLToPath(new URL('./udp-agent-child.mjs', import.meta.url))

export class UdpAgent {
  readonly received: Datagram[] = []
  private readonly waiters = new Set<() => void>()
  private readonly sends: Array<(error: string | undefined) => void> = []

  private constructor (private readonly child: ChildProcess, readonly host: NetnsHost, readonly port: number) {}

  static async start (net: NetnsNetwork, host: NetnsHost, port: number): Promise<UdpAgent> {
    const child = net.spawn(host, process.execPath, [CHILD, String(port)], { stdio: ['pipe', 'pipe', 'pipe'] })
    return await new Promise((resolve, reject) => {
      let agent: UdpAgent | undefined
      let stderr = ''
      child.stderr?.on('data', (d: Buffer) => { stderr += d.toString() })
      child.once('exit', (code) => { if (agent === undefined) reject(new Error(`UDP agent on ${host.name} exited (${code ?? 'signal'}): ${stderr}`)) })
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
        const msg = JSON.parse(line) as { ready?: number, sent?: string, error?: string } & Partial<Datagram>
        if (msg.ready !== undefined) {
          agent = new UdpAgent(child, host, msg.ready)
          resolve(agent)
        } else if (msg.sent !== undefined) {
          agent?.sends.shift()?.(msg.error)
        } else if (msg.from !== undefined && agent !== undefined) {
          agent.received.push({ from: msg.from, port: msg.port as number, text: msg.text as string })
          for (const wake of agent.waiters) wake()
        }
      })
    })
  }

  /** Sends `text` (no spaces) to host:port; the socket error code if the send failed at once (e.g. no route). */
  async send (address: string, port: number, text: string): Promise<string | undefined> {
    if (/\s/.test(text)) throw new Error('the text of a test datagram has no spaces')
    return await new Promise((resolve) => {
      this.sends.push(resolve)
      this.child.stdin?.write(`${address} ${port} ${text}\n`)
    })
  }

  /** The first datagram received (now or within ms) whose text is `text`; undefined when none came. */
  async waitFor (text: string, ms: number): Promise<Datagram | undefined> {
    const find = (): Datagram | undefined => this.received.find(d => d.text === text)
    const now = find()
    if (now !== undefined) return now
    return await new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        this.waiters.delete(check)
        resolve(find())
      }
      const check = (): void => { if (find() !== undefined) done() }
      const timer = setTimeout(done, ms)
      this.waiters.add(check)
    })
  }

  async close (): Promise<void> {
    if (this.child.exitCode !== null) return
    const exited = new Promise((resolve) => this.child.once('exit', resolve))
    this.child.stdin?.end()
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 2000)
    await exited
    clearTimeout(timer)
  }
}
