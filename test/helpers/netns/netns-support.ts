/**
 * Whether this machine can build a namespace test network, and the one rule for when it cannot:
 * outside CI the suite is skipped with the reason in its name; under CI=true (CI runs as root and
 * installs iproute2 and nftables, see .ci/run) it fails, so a CI run that could not build the
 * network never passes as if it had tested NAT traversal.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'vitest'
import { inCi } from '../e2e-clients.js'
import { namespacePrefix } from './netns-names.js'
import { packageRoot } from '../../../src/cli/serve/package-root.js'

function runs (command: string, args: string[]): boolean {
  return spawnSync(command, args, { stdio: 'ignore', timeout: 20_000 }).status === 0
}

let cached: string[] | undefined

/** Why namespace tests cannot run here (empty when they can). */
export function netnsMissing (opts: { needsBuild?: boolean } = {}): string[] {
  cached ??= probe()
  const why = [...cached]
  if (opts.needsBuild === true && !existsSync(tornetMain())) why.push(`the CLI is not built (${tornetMain()}): run \`npx tsc -p tsconfig.json\` (npm test does)`)
  return why
}

function probe (): string[] {
  if (process.platform !== 'linux') return ['network namespaces are Linux only']
  if (process.getuid?.() !== 0) return ['not running as root (creating network namespaces needs root)']
  const why: string[] = []
  if (!runs('ip', ['netns', 'list'])) why.push('`ip netns` does not work (apt-get install iproute2)')
  if (!runs('nft', ['--version'])) why.push('`nft` is missing (apt-get install nftables)')
  if (why.length > 0) return why
  // Root is not always enough (a container without CAP_SYS_ADMIN, a kernel without nf_tables):
  // make one namespace and a table in it, and say which step failed.
  const probe = `${namespacePrefix()}probe`
  if (!runs('ip', ['netns', 'add', probe])) return ['`ip netns add` fails (a container needs CAP_SYS_ADMIN and CAP_NET_ADMIN, e.g. docker --privileged)']
  try {
    if (!runs('ip', ['netns', 'exec', probe, 'nft', 'add', 'table', 'ip', 'probe'])) why.push('nft cannot create a table in a namespace (the kernel needs nf_tables and NAT support)')
  } finally {
    runs('ip', ['netns', 'del', probe])
  }
  return why
}

/** The compiled CLI the hosts run (as `tornet` does). */
export function tornetMain (): string {
  return join(packageRoot(), 'dist', 'src', 'cli', 'main.js')
}

/** describe() for a suite that builds namespaces: run, skip with the reason, or fail in CI. */
export function describeNetns (title: string, opts: { needsBuild?: boolean }, body: () => void): void {
  const missing = netnsMissing(opts)
  if (missing.length === 0) {
    describe(title, body)
  } else if (inCi()) {
    describe(title, () => {
      it('can build the namespace test network', () => {
        throw new Error(`CI must run the namespace tests (as root, with iproute2 and nftables, see .ci/run): ${missing.join('; ')}`)
      })
    })
  } else {
    describe.skip(`${title} — SKIPPED: ${missing.join('; ')}`, body)
  }
}
