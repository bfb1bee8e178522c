import { describe, expect, it } from 'vitest'
import { localAddressToward, parseDefaultGateway } from '../../../../src/node/services/reach/default-gateway.js'

// The layout of Linux's /proc/net/route (addresses little-endian hex), as `cat /proc/net/route` prints it.
const HEADER = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT'

describe('parseDefaultGateway', () => {
  it('reads the gateway of the default route (198.19.1.1 is 0x0101_13C6 little-endian)', () => {
    const text = [HEADER,
      'eth0\t000113C6\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
      'eth0\t00000000\t010113C6\t0003\t0\t0\t0\t00000000\t0\t0\t0', ''].join('\n')
    expect(parseDefaultGateway(text)).toBe('198.19.1.1')
  })

  it('no default route, a default route without a gateway, or garbage → undefined', () => {
    expect(parseDefaultGateway(HEADER + '\neth0\t000113C6\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n')).toBeUndefined()
    expect(parseDefaultGateway(HEADER + '\nwg0\t00000000\t00000000\t0001\t0\t0\t0\t00000000\t0\t0\t0\n')).toBeUndefined()
    expect(parseDefaultGateway(HEADER + '\neth0\t00000000\tZZZZZZZZ\t0003\t0\t0\t0\t00000000\n')).toBeUndefined()
    expect(parseDefaultGateway('')).toBeUndefined()
    expect(parseDefaultGateway('\n\n\x00\x01')).toBeUndefined()
  })
})

describe('localAddressToward', () => {
  const interfaces = {
    lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4' as const, mac: '', internal: true, cidr: '127.0.0.1/8' }],
    eth0: [{ address: '198.19.1.2', netmask: '255.255.255.0', family: 'IPv4' as const, mac: '', internal: false, cidr: '198.19.1.2/24' }],
    eth1: [{ address: '198.18.5.9', netmask: '255.255.0.0', family: 'IPv4' as const, mac: '', internal: false, cidr: '198.18.5.9/16' }]
  }

  it('picks the interface on the gateway\'s subnet', () => {
    expect(localAddressToward('198.19.1.1', interfaces)).toBe('198.19.1.2')
    expect(localAddressToward('198.18.200.1', interfaces)).toBe('198.18.5.9')
  })

  it('none on that subnet, loopback only, or not an IPv4 address → undefined', () => {
    expect(localAddressToward('10.0.0.1', interfaces)).toBeUndefined()
    expect(localAddressToward('127.0.0.2', interfaces)).toBeUndefined()
    expect(localAddressToward('fe80::1', interfaces)).toBeUndefined()
    expect(localAddressToward('198.19.1.256', interfaces)).toBeUndefined()
  })
})
