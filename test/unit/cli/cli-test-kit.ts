import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { CliContext, OutputSink } from '../../../src/cli/command.js'
import { generateIdentity, saveIdentity } from '../../../src/node/index.js'

export interface CapturedSink extends OutputSink {
  text: () => string
}

export function capture (isTTY = false): CapturedSink {
  const chunks: string[] = []
  return { isTTY, write: (t: string) => { chunks.push(t) }, text: () => chunks.join('') }
}

export function tempDataDir (): string {
  return mkdtempSync(join(tmpdir(), 'tornet-cli-'))
}

/** A data dir with a fresh identity and a config.json listening on 127.0.0.1 (any port), `config` on top. */
export function nodeDataDir (config: Record<string, unknown> = {}): string {
  const dir = tempDataDir()
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ listen: { host: '127.0.0.1', port: 0 }, ...config }))
  saveIdentity(dir, generateIdentity())
  return dir
}

export function makeContext (dataDir: string, over: Partial<CliContext> = {}): CliContext & { stdout: CapturedSink, stderr: CapturedSink } {
  return {
    stdout: capture(),
    stderr: capture(),
    env: {},
    dataDir,
    signal: new AbortController().signal,
    now: Date.now,
    ...over
  } as CliContext & { stdout: CapturedSink, stderr: CapturedSink }
}
