import type { ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Identity } from '../../../src/node/identity/identity.js'
import { saveIdentity } from '../../../src/node/identity/identity-file.js'
import type { NetnsHost, NetnsNetwork } from './netns-network.js'
import { tornetMain } from './netns-support.js'

/**
 * A real Tornet node on a namespace host: the compiled CLI's `tornet start` as its own process
 * (`ip netns exec <ns> node dist/src/cli/main.js start`), listening on 0.0.0.0:9151 in the
 * namespace, with its gateway on the namespace's own 127.0.0.1:9150. The test talks to it as a
 * user does, with curl inside the namespace: publish through the dashboard's upload form, fetch
 * through the gateway as an HTTP proxy.
 *
 * Its data directory is fresh: the identity is made here (so nothing is mined), minRank 0 (test
 * identities have low ranks), a low name difficulty, and a Namecoin backend on the namespace's
 * loopback, so the gateway does not try the public ElectrumX servers (there is no route to them).
 */
export const NODE_PORT = 9151
export const GATEWAY_PORT = 9150
/** The node flags of package.json's `tornet` script (see src/cli/main.ts for why each). */
const NODE_FLAGS = ['--openssl-legacy-provider', '--initial-old-space-size=64', '--heap-growing-percent=50', '--max-semi-space-size=4']

export interface TornetHostOptions {
  identity: Identity
  /** "address:port" of the peers to join through. */
  bootstrap: string[]
}

/** A throwaway data directory with config.json and identity.json, for `tornet start` or a one-shot command. */
export function makeNetnsDataDir (opts: TornetHostOptions): string {
  const dir = mkdtempSync(join(tmpdir(), 'tornet-netns-'))
  writeFileSync(join(dir, 'config.json'), JSON.stringify({
    listen: { host: '0.0.0.0', port: NODE_PORT },
    gateway: { host: '127.0.0.1', port: GATEWAY_PORT, passThrough: false },
    bootstrap: opts.bootstrap,
    minRank: 0,
    names: { difficulty: 8 },
    namecoin: { backend: 'rpc', rpc: { url: 'http://127.0.0.1:9/' }, cacheTtlMs: 60_000 }
  }))
  saveIdentity(dir, opts.identity)
  return dir
}

/** Runs one `tornet` command in the host's namespace on its own data directory; exit code and output. */
export async function runTornet (net: NetnsNetwork, host: NetnsHost, dataDir: string, args: string[], timeoutMs = 90_000): Promise<{ code: number, out: string, err: string }> {
  const child = net.spawn(host, process.execPath, [...NODE_FLAGS, tornetMain(), '--data-dir', dataDir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout?.on('data', (d: Buffer) => { out += d.toString() })
  child.stderr?.on('data', (d: Buffer) => { err += d.toString() })
  const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs)
  const code = await new Promise<number>((resolve) => child.once('exit', (c) => resolve(c ?? -1)))
  clearTimeout(timer)
  return { code, out, err }
}

export interface Fetched { status: number, body: Buffer }

export class TornetHost {
  private output = ''

  private constructor (
    private readonly net: NetnsNetwork,
    readonly host: NetnsHost,
    readonly dataDir: string,
    private readonly child: ChildProcess
  ) {
    const keep = (d: Buffer): void => { this.output += d.toString() }
    child.stdout?.on('data', keep)
    child.stderr?.on('data', keep)
  }

  /** Starts the node and waits until it has joined (or found no peer) and serves its gateway. */
  static async start (net: NetnsNetwork, host: NetnsHost, opts: TornetHostOptions): Promise<TornetHost> {
    const dataDir = makeNetnsDataDir(opts)
    const child = net.spawn(host, process.execPath, [...NODE_FLAGS, tornetMain(), '--data-dir', dataDir, 'start'], { stdio: ['ignore', 'pipe', 'pipe'] })
    const node = new TornetHost(net, host, dataDir, child)
    try {
      await node.waitForOutput(/Press Ctrl-C to stop/, 60_000)
    } catch (err) {
      await node.stop()
      throw err
    }
    return node
  }

  /** The node's endpoint as others reach it on its own network ("address:port"). */
  get endpoint (): string {
    return `${this.host.address}:${NODE_PORT}`
  }

  /** Everything the process printed so far (stdout and stderr), for assertions and failure messages. */
  get log (): string {
    return this.output
  }

  async waitForOutput (pattern: RegExp, ms: number): Promise<RegExpExecArray> {
    const deadline = Date.now() + ms
    for (;;) {
      const m = pattern.exec(this.output)
      if (m !== null) return m
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`tornet on ${this.host.name} exited (${this.child.exitCode ?? this.child.signalCode}) before printing ${pattern}:\n${this.output}`)
      if (Date.now() > deadline) throw new Error(`tornet on ${this.host.name} did not print ${pattern} within ${ms} ms:\n${this.output}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  /**
   * Publishes files through the dashboard's upload form, as a browser would (the page's CSRF token,
   * an Origin header naming the gateway); the content reference ("<label>.<label>").
   */
  async publish (files: Record<string, string | Buffer>): Promise<string> {
    const gateway = `http://127.0.0.1:${GATEWAY_PORT}`
    const page = await this.dashboard()
    const token = /name="csrf" value="([^"]+)"/.exec(page)?.[1]
    if (token === undefined) throw new Error(`no CSRF token in the dashboard page of ${this.host.name}`)
    const spool = mkdtempSync(join(tmpdir(), 'tornet-netns-upload-'))
    try {
      const parts: string[] = ['-F', `csrf=${token}`]
      for (const [name, body] of Object.entries(files)) {
        const file = join(spool, String(parts.length))
        writeFileSync(file, body)
        parts.push('-F', `files=@${file};filename=${name}`)
      }
      const reply = await this.curl(['-sS', '--max-time', '60', '-o', '/dev/null', '-w', '%{http_code} %{redirect_url}',
        '-H', `Origin: ${gateway}`, ...parts, `${gateway}/publish`])
      const ref = /^303 \S*[?&]published=([a-z2-7.]+)/.exec(reply)?.[1]
      if (ref === undefined) throw new Error(`publishing on ${this.host.name} answered "${reply}"`)
      return ref
    } finally {
      rmSync(spool, { recursive: true, force: true })
    }
  }

  /** The dashboard page (GET / on the gateway), as a browser on the host sees it. */
  async dashboard (): Promise<string> {
    return await this.curl(['-sS', '--max-time', '30', `http://127.0.0.1:${GATEWAY_PORT}/`])
  }

  /**
   * GET through this node's gateway as an HTTP proxy (curl --proxy), within maxSeconds. Generous by
   * default: a lookup that meets a contact behind a NAT waits out its request timeout today (the DHT
   * does not yet keep only reachable contacts), which took 3-13 s per fetch here.
   */
  async fetch (url: string, maxSeconds = 60): Promise<Fetched> {
    const spool = mkdtempSync(join(tmpdir(), 'tornet-netns-get-'))
    try {
      const file = join(spool, 'body')
      const status = await this.curl(['-sS', '--max-time', String(maxSeconds), '--proxy', `http://127.0.0.1:${GATEWAY_PORT}`,
        '-o', file, '-w', '%{http_code}', url], (maxSeconds + 5) * 1000).catch((err: Error) => err.message)
      return { status: /^\d{3}$/.test(status) ? Number(status) : 0, body: existsSync(file) ? readFileSync(file) : Buffer.alloc(0) }
    } finally {
      rmSync(spool, { recursive: true, force: true })
    }
  }

  /** Stops the process (SIGTERM: a clean stop) and removes its data directory. */
  async stop (): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve))
      this.child.kill('SIGTERM')
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    }
    rmSync(this.dataDir, { recursive: true, force: true })
  }

  private async curl (args: string[], timeoutMs = 90_000): Promise<string> {
    return await this.net.exec(this.host, 'curl', args, { timeoutMs })
  }
}
