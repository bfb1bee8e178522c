import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { pathMtuCeiling } from '../../../src/node/transport/interface-mtu.js'

let dir: string | undefined
afterEach(() => { if (dir !== undefined) rmSync(dir, { recursive: true, force: true }); dir = undefined })

function sysWith (mtus: Record<string, string>): string {
  dir = mkdtempSync(join(tmpdir(), 'tornet-mtu-'))
  for (const [name, mtu] of Object.entries(mtus)) {
    mkdirSync(join(dir, name))
    writeFileSync(join(dir, name, 'mtu'), `${mtu}\n`)
  }
  return dir
}

describe('pathMtuCeiling', () => {
  test('the largest interface MTU less the IPv4 or IPv6 and UDP headers', () => {
    const sys = sysWith({ eth0: '1500', wg0: '1420' })
    expect(pathMtuCeiling({ ipv6: false, sysClassNet: sys, names: ['eth0', 'wg0'] })).toBe(1472)
    expect(pathMtuCeiling({ ipv6: true, sysClassNet: sys, names: ['eth0', 'wg0'] })).toBe(1452)
    expect(pathMtuCeiling({ ipv6: false, sysClassNet: sys, names: ['wg0'] })).toBe(1392)
  })

  test('unreadable or garbage MTUs: an Ethernet MTU is assumed; never below 1,200', () => {
    const sys = sysWith({ eth0: 'lots', tiny: '1000' })
    expect(pathMtuCeiling({ ipv6: false, sysClassNet: sys, names: ['eth0', 'missing', '../etc'] })).toBe(1472)
    expect(pathMtuCeiling({ ipv6: false, sysClassNet: sys, names: ['tiny'] })).toBe(1200)
  })

  test('jumbo frames are probed for, capped at the largest UDP payload', () => {
    const sys = sysWith({ eth0: '9000', huge: '70000' })
    expect(pathMtuCeiling({ ipv6: false, sysClassNet: sys, names: ['eth0'] })).toBe(8972)
    expect(pathMtuCeiling({ ipv6: false, sysClassNet: sys, names: ['huge'] })).toBe(65_507)
  })
})
