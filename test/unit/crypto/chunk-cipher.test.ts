import { readFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  blowfishCbcDecryptRaw, blowfishCbcEncryptRaw, type BlowfishImpl, CHUNK_MAX_BYTES, CHUNK_MAX_PLAIN_BYTES,
  ChunkCipherErrorCode, chunkIv, cipherLengthOf, decryptChunk, defaultBlowfishImpl, encryptChunk, hasNativeBlowfish
} from '../../../src/node/crypto/chunk-cipher.js'
import { sliceHashes } from '../../../src/node/services/chunks/chunk-format.js'
import { isTornetError } from '../../../src/node/errors.js'

const fixtures = new URL('../../fixtures/blowfish/', import.meta.url)
const classic = JSON.parse(readFileSync(new URL('classic-vectors.json', fixtures), 'utf8')) as {
  ecb: Array<{ key: string, plain: string, cipher: string }>
  setKey: Array<{ key: string, plain: string, cipher: string }>
  cbc: Array<{ key: string, iv: string, plain: string, cipher: string }>
}
const chunkVectors = (JSON.parse(readFileSync(new URL('chunk-vectors.json', fixtures), 'utf8')) as {
  vectors: Array<{ name: string, plain: { hex?: string, length?: number }, key: string, iv: string, id: string, cipherLength: number, cipher?: string, sliceHashes: string[] }>
}).vectors

const hex = (s: string): Buffer => Buffer.from(s, 'hex')
const zeroIv = Buffer.alloc(8)
function plainOf (v: typeof chunkVectors[number]): Buffer {
  if (v.plain.hex !== undefined) return hex(v.plain.hex)
  return Buffer.from(Array.from({ length: v.plain.length ?? 0 }, (_, i) => (i * 7 + 3) & 0xff))
}

// vitest runs with --openssl-legacy-provider (vitest.config.ts), so both paths run here.
it('this test process has native Blowfish (legacy provider), and uses it by default', () => {
  expect(hasNativeBlowfish()).toBe(true)
  expect(defaultBlowfishImpl()).toBe('native')
})

const impls: BlowfishImpl[] = ['native', 'js']

describe.each(impls)('Blowfish vectors, %s implementation', impl => {
  // One block under CBC with a zero IV is exactly ECB.
  it('classic ECB vectors (Eric Young / Schneier), encrypt and decrypt', () => {
    expect(classic.ecb.length).toBe(33)
    for (const v of [...classic.ecb, ...classic.setKey]) {
      expect(blowfishCbcEncryptRaw(hex(v.key), zeroIv, hex(v.plain), impl).toString('hex')).toBe(v.cipher)
      expect(blowfishCbcDecryptRaw(hex(v.key), zeroIv, hex(v.cipher), impl).toString('hex')).toBe(v.plain)
    }
  })

  it('variable key length vectors (1..24 bytes)', () => {
    expect(classic.setKey.length).toBe(24)
    for (const v of classic.setKey) {
      expect(blowfishCbcEncryptRaw(hex(v.key), zeroIv, hex(v.plain), impl).toString('hex')).toBe(v.cipher)
    }
  })

  it('CBC chaining vector', () => {
    for (const v of classic.cbc) {
      expect(blowfishCbcEncryptRaw(hex(v.key), hex(v.iv), hex(v.plain), impl).toString('hex')).toBe(v.cipher)
      expect(blowfishCbcDecryptRaw(hex(v.key), hex(v.iv), hex(v.cipher), impl).toString('hex')).toBe(v.plain)
    }
  })

  it('chunk vectors: key, iv, id, ciphertext and slice hashes', () => {
    for (const v of chunkVectors) {
      const plain = plainOf(v)
      const c = encryptChunk(plain, { impl })
      expect(c.key.toString('hex'), v.name).toBe(v.key)
      expect(chunkIv(c.key).toString('hex'), v.name).toBe(v.iv)
      expect(c.id.toString('hex'), v.name).toBe(v.id)
      expect(c.cipher.length, v.name).toBe(v.cipherLength)
      expect(cipherLengthOf(plain.length)).toBe(v.cipherLength)
      if (v.cipher !== undefined) expect(c.cipher.toString('hex'), v.name).toBe(v.cipher)
      expect(sliceHashes(c.cipher).map(h => h.toString('hex')), v.name).toEqual(v.sliceHashes)
      expect(decryptChunk(c.cipher, c.key, { impl }).equals(plain), v.name).toBe(true)
    }
  })

  it('round trips every padding length', () => {
    for (let n = 0; n <= 40; n++) {
      const plain = randomBytes(n)
      const c = encryptChunk(plain, { impl })
      expect(c.cipher.length).toBe((Math.floor(n / 8) + 1) * 8)
      expect(decryptChunk(c.cipher, c.key, { impl }).equals(plain)).toBe(true)
    }
  })
})

describe('native and egoroof give identical bytes', () => {
  it('on random chunks of many sizes, in both directions', () => {
    const sizes = [1, 7, 8, 9, 1000, 65535, 65536, 65537, 200_003]
    for (const n of sizes) {
      const plain = randomBytes(n)
      const a = encryptChunk(plain, { impl: 'native' })
      const b = encryptChunk(plain, { impl: 'js' })
      expect(b.cipher.equals(a.cipher), `size ${n}`).toBe(true)
      expect(b.id.equals(a.id)).toBe(true)
      expect(decryptChunk(a.cipher, a.key, { impl: 'js' }).equals(plain)).toBe(true)
      expect(decryptChunk(b.cipher, b.key, { impl: 'native' }).equals(plain)).toBe(true)
    }
  })

  it('on raw blocks whose plaintext ends in bytes egoroof would strip as padding', () => {
    const key = randomBytes(32)
    const iv = randomBytes(8)
    for (const tail of [0, 1, 4, 8, 9, 0x80, 0xff]) {
      const data = Buffer.concat([randomBytes(23), Buffer.of(tail)])
      const c = blowfishCbcEncryptRaw(key, iv, data, 'native')
      expect(blowfishCbcEncryptRaw(key, iv, data, 'js').equals(c)).toBe(true)
      expect(blowfishCbcDecryptRaw(key, iv, c, 'js').equals(data)).toBe(true)
    }
  })

  it('on a full 1 MiB chunk', () => {
    const plain = randomBytes(CHUNK_MAX_PLAIN_BYTES)
    const a = encryptChunk(plain, { impl: 'native' })
    expect(a.cipher.length).toBe(CHUNK_MAX_BYTES)
    expect(encryptChunk(plain, { impl: 'js' }).cipher.equals(a.cipher)).toBe(true)
  })
})

describe('convergence and failures', () => {
  it('equal plaintexts give equal chunks; different ones differ', () => {
    const a = encryptChunk(Buffer.from('same content'))
    const b = encryptChunk(Buffer.from('same content'))
    const c = encryptChunk(Buffer.from('same content!'))
    expect(a.id.equals(b.id) && a.cipher.equals(b.cipher)).toBe(true)
    expect(a.id.equals(c.id)).toBe(false)
  })

  function code (f: () => unknown): string | undefined {
    try { f() } catch (err) { return isTornetError(err) ? err.code : 'untyped' }
    return undefined
  }

  it('rejects a wrong key, tampered bytes and bad lengths with stable codes', () => {
    const plain = randomBytes(5000)
    const { key, cipher } = encryptChunk(plain)
    for (const impl of impls) {
      const wrong = Buffer.from(key); wrong[0] ^= 1
      expect(code(() => decryptChunk(cipher, wrong, { impl }))).toBe(ChunkCipherErrorCode.KEY_MISMATCH)
      const tampered = Buffer.from(cipher); tampered[100] ^= 0x40
      expect(code(() => decryptChunk(tampered, key, { impl }))).toBe(ChunkCipherErrorCode.KEY_MISMATCH)
      const lastBlock = Buffer.from(cipher); lastBlock[lastBlock.length - 1] ^= 0x01
      expect(code(() => decryptChunk(lastBlock, key, { impl }))).toBe(ChunkCipherErrorCode.KEY_MISMATCH)
      expect(code(() => decryptChunk(cipher.subarray(0, 4999), key, { impl }))).toBe(ChunkCipherErrorCode.MALFORMED)
      expect(code(() => decryptChunk(Buffer.alloc(0), key, { impl }))).toBe(ChunkCipherErrorCode.MALFORMED)
      expect(code(() => decryptChunk(Buffer.alloc(CHUNK_MAX_BYTES + 8), key, { impl }))).toBe(ChunkCipherErrorCode.MALFORMED)
      expect(code(() => decryptChunk(cipher, key.subarray(0, 16), { impl }))).toBe(ChunkCipherErrorCode.BAD_KEY)
    }
    expect(code(() => encryptChunk(Buffer.alloc(CHUNK_MAX_PLAIN_BYTES + 1)))).toBe(ChunkCipherErrorCode.TOO_LARGE)
  })

  it('without the key check (bytes already checked against their id) still decrypts and still checks the padding', () => {
    const plain = Buffer.alloc(70_001, 'tornet ')
    const { key, cipher } = encryptChunk(plain)
    for (const impl of impls) {
      expect(decryptChunk(cipher, key, { impl, checkKey: false }).equals(plain)).toBe(true)
      // The last block decrypts to garbage padding: refused with or without the key check.
      const lastBlock = Buffer.from(cipher); lastBlock[lastBlock.length - 9] ^= 0x01
      expect(code(() => decryptChunk(lastBlock, key, { impl, checkKey: false }))).toBe(ChunkCipherErrorCode.KEY_MISMATCH)
      expect(code(() => decryptChunk(cipher.subarray(0, 4999), key, { impl, checkKey: false }))).toBe(ChunkCipherErrorCode.MALFORMED)
    }
  })
})

describe('a process without the legacy provider', () => {
  it('detects no native Blowfish and produces the same chunk bytes with egoroof', async () => {
    const { execFileSync } = await import('node:child_process')
    const { mkdtempSync, mkdirSync, rmSync } = await import('node:fs')
    const { join } = await import('node:path')
    const { pathToFileURL } = await import('node:url')
    // Compile just the cipher (and what it imports) where node_modules resolves.
    mkdirSync('node_modules/.cache', { recursive: true })
    const out = mkdtempSync(join('node_modules/.cache', 'chunk-cipher-'))
    try {
      execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '--outDir', out, '--module', 'NodeNext',
        '--moduleResolution', 'NodeNext', '--target', 'ES2022', '--strict', '--skipLibCheck', '--types', 'node',
        'src/node/crypto/chunk-cipher.ts'], { stdio: 'pipe' })
      const mod = pathToFileURL(join(process.cwd(), out, 'crypto', 'chunk-cipher.js')).href
      const script = `import { hasNativeBlowfish, encryptChunk, decryptChunk } from ${JSON.stringify(mod)}
        const plain = Buffer.from(Array.from({ length: 70000 }, (_, i) => (i * 7 + 3) & 0xff))
        const c = encryptChunk(plain)
        const back = decryptChunk(c.cipher, c.key)
        console.log(JSON.stringify({ native: hasNativeBlowfish(), id: c.id.toString('hex'), ok: back.equals(plain) }))`
      const env = { ...process.env, NODE_OPTIONS: '' }
      const res = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { env }).toString()) as { native: boolean, id: string, ok: boolean }
      expect(res.native).toBe(false)
      expect(res.ok).toBe(true)
      expect(res.id).toBe(chunkVectors.find(v => v.name === 'pattern-70000')?.id)
    } finally {
      rmSync(out, { recursive: true, force: true })
    }
  })
})
