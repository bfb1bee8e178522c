import { existsSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { idNewCommand } from '../../../../src/cli/commands/id-new.js'
import { CliErrorCode } from '../../../../src/cli/errors.js'
import { isTornetError } from '../../../../src/node/errors.js'
import { IdentityErrorCode } from '../../../../src/node/identity/errors.js'
import { identityPath, loadIdentity } from '../../../../src/node/identity/identity-file.js'
import { ConfigErrorCode } from '../../../../src/node/config.js'
import { makeContext, tempDataDir } from '../cli-test-kit.js'

let dir: string
beforeEach(() => { dir = tempDataDir() })
afterEach(() => { rmSync(dir, { recursive: true, force: true }) })

async function expectCode (p: Promise<unknown>, code: string): Promise<void> {
  const err = await p.then(() => undefined, (e: unknown) => e)
  expect(isTornetError(err, code), `expected ${code}, got ${String(err)}`).toBe(true)
}

describe('tornet id new', () => {
  it('mines, saves and prints the identity', async () => {
    const ctx = makeContext(dir)
    await idNewCommand.run(['--rank', '8', '--threads', '2'], ctx)
    const saved = loadIdentity(dir)
    expect(saved).toBeDefined()
    expect(saved?.rank).toBeGreaterThanOrEqual(8)
    const out = ctx.stdout.text()
    expect(out).toContain(saved?.id.toString('hex'))
    expect(out).toContain(saved?.publicKey.toString('hex'))
    expect(out).not.toContain(saved?.secretKey.toString('hex'))
  })

  it('refuses to replace an identity without --force, and replaces it with --force', async () => {
    await idNewCommand.run(['--rank', '4'], makeContext(dir))
    const first = loadIdentity(dir)
    await expectCode(idNewCommand.run(['--rank', '4'], makeContext(dir)), IdentityErrorCode.EXISTS)
    expect(loadIdentity(dir)?.id.equals(first?.id ?? Buffer.alloc(0))).toBe(true)
    await idNewCommand.run(['--rank', '4', '--force'], makeContext(dir))
    expect(loadIdentity(dir)?.id.equals(first?.id ?? Buffer.alloc(0))).toBe(false)
  })

  it('refuses to replace even a damaged identity file without --force', async () => {
    writeFileSync(identityPath(dir), 'garbage')
    await expectCode(idNewCommand.run(['--rank', '2'], makeContext(dir)), IdentityErrorCode.EXISTS)
    await idNewCommand.run(['--rank', '2', '--force'], makeContext(dir))
    expect(loadIdentity(dir)).toBeDefined()
  })

  it('mines config.json identityRank when --rank is not given', async () => {
    // Rank 0 is met by the first nonce one thread tries (counter 0); the default rank 22 would
    // almost never stop there.
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ identityRank: 0 }))
    await idNewCommand.run(['--threads', '1'], makeContext(dir))
    expect(loadIdentity(dir)?.nonce.equals(Buffer.alloc(8))).toBe(true)
  })

  it('saves nothing when interrupted', async () => {
    await expectCode(idNewCommand.run(['--rank', '40'], makeContext(dir, { signal: AbortSignal.abort() })), IdentityErrorCode.MINING_ABORTED)
    expect(existsSync(identityPath(dir))).toBe(false)
  })

  it('rewrites one progress line with \\r on a terminal', async () => {
    const controller = new AbortController()
    const chunks: string[] = []
    // Stop after the header line and two progress updates.
    const stderr = { isTTY: true, write: (t: string) => { chunks.push(t); if (chunks.length >= 3) controller.abort() } }
    const ctx = makeContext(dir, { signal: controller.signal, stderr })
    await expectCode(idNewCommand.run(['--rank', '60', '--threads', '1'], ctx), IdentityErrorCode.MINING_ABORTED)
    const updates = chunks.filter(c => c.startsWith('\r'))
    expect(updates.length).toBeGreaterThanOrEqual(2)
    expect(updates.every(u => !u.includes('\n'))).toBe(true)
    expect(chunks[chunks.length - 1]).toBe('\n') // leaves the terminal on a fresh line
  })

  it.each([['--rank', 'x'], ['--rank', '65'], ['--rank=-1'], ['--rank', '1e1'], ['--threads', '0']])('rejects %s %s as a usage error', async (...args) => {
    await expectCode(idNewCommand.run(args, makeContext(dir)), CliErrorCode.USAGE)
  })

  it('reports a bad config.json before mining', async () => {
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ identityRank: 'high' }))
    await expectCode(idNewCommand.run(['--rank', '40'], makeContext(dir)), ConfigErrorCode.INVALID)
  })
})
