import { describe, expect, test } from 'vitest'
import { CookieJar } from '../../../src/node/link/cookie-jar.js'

describe('CookieJar', () => {
  const from = { address: '10.0.0.1', port: 7000 }
  const eph = Buffer.alloc(32, 1)

  test('a cookie checks for the same source and ephemeral only', () => {
    const jar = new CookieJar(() => 1000)
    const c = jar.make(from, eph)
    expect(c.length).toBe(16)
    expect(jar.check(c, from, eph)).toBe(true)
    expect(jar.check(c, { address: '10.0.0.2', port: 7000 }, eph)).toBe(false)
    expect(jar.check(c, { address: '10.0.0.1', port: 7001 }, eph)).toBe(false)
    expect(jar.check(c, from, Buffer.alloc(32, 2))).toBe(false)
    expect(jar.check(Buffer.alloc(0), from, eph)).toBe(false)
  })

  test('cookies expire after two secret rotations', () => {
    let t = 0
    const jar = new CookieJar(() => t, 1000)
    const c = jar.make(from, eph)
    t = 1500
    expect(jar.check(c, from, eph)).toBe(true)
    t = 2500
    expect(jar.check(c, from, eph)).toBe(false)
  })
})
