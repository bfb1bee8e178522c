import { rmSync, writeFileSync } from 'node:fs'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { idShowCommand } from '../../../../src/cli/commands/id-show.js'
import { isTornetError } from '../../../../src/node/errors.js'
import { IdentityErrorCode } from '../../../../src/node/identity/errors.js'
import { generateIdentity } from '../../../../src/node/identity/identity.js'
import { identityPath, saveIdentity } from '../../../../src/node/identity/identity-file.js'
import { makeContext, tempDataDir } from '../cli-test-kit.js'

let dir: string
beforeEach(() => { dir = tempDataDir() })
afterEach(() => { rmSync(dir, { recursive: true, force: true }) })

async function expectCode (p: Promise<unknown>, code: string): Promise<void> {
  const err = await p.then(() => undefined, (e: unknown) => e)
  expect(isTornetError(err, code), `expected ${code}, got ${String(err)}`).toBe(true)
}

describe('tornet id show', () => {
  it('prints id, rank, public key and nonce, never the secret key', async () => {
    const identity = generateIdentity()
    saveIdentity(dir, identity)
    const ctx = makeContext(dir)
    await idShowCommand.run([], ctx)
    const out = ctx.stdout.text()
    expect(out).toMatch(new RegExp(`^id +${identity.id.toString('hex')}$`, 'm'))
    expect(out).toMatch(new RegExp(`^rank +${identity.rank}$`, 'm'))
    expect(out).toMatch(new RegExp(`^public key +${identity.publicKey.toString('hex')}$`, 'm'))
    expect(out).toMatch(new RegExp(`^nonce +${identity.nonce.toString('hex')}$`, 'm'))
    expect(out).not.toContain(identity.secretKey.toString('hex'))
  })

  it('fails with IDENTITY_MISSING when there is no identity', async () => {
    await expectCode(idShowCommand.run([], makeContext(dir)), IdentityErrorCode.MISSING)
  })

  it('fails with IDENTITY_CORRUPT on a damaged file', async () => {
    writeFileSync(identityPath(dir), '{}')
    await expectCode(idShowCommand.run([], makeContext(dir)), IdentityErrorCode.CORRUPT)
  })
})
