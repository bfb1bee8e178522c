import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { CliContext, OutputSink } from '../../../src/cli/command.js'

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
