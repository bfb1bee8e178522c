import { isAlive } from '../../../src/node/store/store-lock.js'
import { runCommand } from './run-command.js'

/**
 * Names of what a test network creates. Every namespace starts with `tn<pid>-`, the pid of the test
 * process that made it, so a later run can tell the leftovers of a crashed run (their process is
 * gone) from a network another test process is still using, and remove only those. Interfaces are
 * created directly inside the namespaces (never in the host's own), so removing a namespace
 * removes its interfaces and nft tables with it.
 */
const PREFIX_PATTERN = /^tn(\d+)-/

export function namespacePrefix (pid = process.pid): string {
  return `tn${pid}-`
}

/** The namespaces that exist now (`ip netns list` prints "name" or "name (id: N)"). */
export async function listNamespaces (): Promise<string[]> {
  const out = await runCommand('ip', ['netns', 'list'])
  return out.split('\n').map(l => l.trim().split(/\s+/)[0]).filter(n => n !== undefined && n !== '')
}

/** Removes namespaces left by test processes that no longer run; returns their names. */
export async function sweepStaleNamespaces (): Promise<string[]> {
  const removed: string[] = []
  for (const name of await listNamespaces()) {
    const m = PREFIX_PATTERN.exec(name)
    if (m === null || isAlive(Number(m[1]))) continue
    await runCommand('ip', ['netns', 'del', name]).catch(() => undefined)
    removed.push(name)
  }
  return removed
}
