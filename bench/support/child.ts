import { spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * Runs a script of bench/support/ in its own Node process (same flags as this
 * one, so the legacy OpenSSL provider and native Blowfish come along) with a
 * JSON argument, passes its stderr through as progress, and returns the JSON
 * object it prints last on stdout. Used where a figure must be that process's
 * own (peak RSS of a downloader) or where the client must not share the
 * event loop it measures.
 */
const here = dirname(fileURLToPath(import.meta.url))

export function supportScript (name: string): string {
  return join(here, `${name}.js`)
}

export async function runJsonChild<T> (script: string, input: unknown, opts: { signal?: AbortSignal, env?: NodeJS.ProcessEnv } = {}): Promise<T> {
  const child = spawn(process.execPath, [...process.execArgv, script, JSON.stringify(input)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    signal: opts.signal,
    env: opts.env ?? process.env
  })
  let out = ''
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (s: string) => { out += s })
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (c: number | null, s: NodeJS.Signals | null) => { resolve([c, s]) })
  })
  const last = out.trim().split('\n').pop() ?? ''
  if (code !== 0) throw new Error(`${script} ${signal === null ? `exited with ${String(code)}` : `was killed by ${signal}`}: ${last}`)
  try {
    return JSON.parse(last) as T
  } catch {
    throw new Error(`${script} printed no JSON result: ${last.slice(0, 200)}`)
  }
}

/** The JSON argument a child script was started with. */
export function childInput<T> (): T {
  const raw = process.argv[2]
  if (raw === undefined) throw new Error('expected one JSON argument')
  return JSON.parse(raw) as T
}
