import { createSocket, type RemoteInfo } from 'node:dgram'
import { describe, expect, it } from 'vitest'
import { udpOtherPortSender } from '../../../src/node/transport/other-port-sender.js'
import { createUdpTransport } from '../../../src/node/transport/udp.js'

describe('udpOtherPortSender', () => {
  it('sends from a fresh port, not the node\'s own, and closes it', async () => {
    const node = await createUdpTransport({ host: '127.0.0.1', port: 0 })
    const target = createSocket('udp4')
    await new Promise<void>((resolve) => target.bind(0, '127.0.0.1', resolve))
    try {
      const got = new Promise<{ msg: Buffer, from: RemoteInfo }>((resolve) => target.once('message', (msg, from) => resolve({ msg, from })))
      await udpOtherPortSender(node.local.address)(Buffer.from('probe'), { address: '127.0.0.1', port: target.address().port })
      const { msg, from } = await got
      expect(msg.toString()).toBe('probe')
      expect(from.address).toBe('127.0.0.1')
      expect(from.port).not.toBe(node.local.port)
    } finally {
      target.close()
      await node.close()
    }
  })

  it('a send that cannot leave rejects instead of throwing into the event loop', async () => {
    await expect(udpOtherPortSender('192.0.2.1')(Buffer.from('x'), { address: '127.0.0.1', port: 9 })).rejects.toThrow()
  })
})
