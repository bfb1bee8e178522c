import { describe, expect, it } from 'vitest'
import { thrownCode } from '../../../helpers/thrown-code.js'
import { CELL_BODY_BYTES, CELL_BYTES, decodeLinkCell, encodeLinkCell, LinkCommand } from '../../../../src/node/services/tunnels/cell.js'
import { TunnelErrorCode } from '../../../../src/node/services/tunnels/errors.js'

describe('link cell codec', () => {
  it('round-trips every command with a body padded to the fixed size', () => {
    for (const command of Object.values(LinkCommand)) {
      const circuitId = command === LinkCommand.padding ? 0 : 0xfedcba98
      const body = Buffer.from(`body of ${command}`)
      const bytes = encodeLinkCell({ circuitId, command, body })
      expect(bytes.length).toBe(CELL_BYTES)
      const back = decodeLinkCell(bytes)
      expect(back.circuitId).toBe(circuitId)
      expect(back.command).toBe(command)
      expect(back.body.length).toBe(CELL_BODY_BYTES)
      expect(back.body.subarray(0, body.length)).toEqual(body)
    }
  })

  it('pads with the injected random source, so two cells of one body differ on the wire', () => {
    const body = Buffer.from('x')
    const fixed = encodeLinkCell({ circuitId: 7, command: LinkCommand.relay, body }, n => Buffer.alloc(n, 0xab))
    expect(fixed.subarray(6).every(b => b === 0xab)).toBe(true)
    expect(fixed.subarray(0, 6)).toEqual(Buffer.from([7, 0, 0, 0, LinkCommand.relay, 0x78]))
    const a = encodeLinkCell({ circuitId: 7, command: LinkCommand.relay, body })
    const b = encodeLinkCell({ circuitId: 7, command: LinkCommand.relay, body })
    expect(a.equals(b)).toBe(false)
  })

  it('rejects wrong lengths, unknown commands and circuit id 0 on a non-padding cell', () => {
    const good = encodeLinkCell({ circuitId: 1, command: LinkCommand.create, body: Buffer.alloc(96) })
    expect(thrownCode(() => decodeLinkCell(good.subarray(0, CELL_BYTES - 1)))).toBe(TunnelErrorCode.MALFORMED)
    expect(thrownCode(() => decodeLinkCell(Buffer.concat([good, Buffer.alloc(1)])))).toBe(TunnelErrorCode.MALFORMED)
    expect(thrownCode(() => decodeLinkCell(Buffer.alloc(0)))).toBe(TunnelErrorCode.MALFORMED)
    for (const cmd of [0, 6, 255]) {
      const bad = Buffer.from(good); bad[4] = cmd
      expect(thrownCode(() => decodeLinkCell(bad))).toBe(TunnelErrorCode.MALFORMED)
    }
    const zero = Buffer.from(good); zero.writeUInt32LE(0, 0)
    expect(thrownCode(() => decodeLinkCell(zero))).toBe(TunnelErrorCode.MALFORMED)
    zero[4] = LinkCommand.padding
    expect(decodeLinkCell(zero).command).toBe(LinkCommand.padding)
  })

  it('refuses to encode what could not be decoded', () => {
    expect(thrownCode(() => encodeLinkCell({ circuitId: 1, command: LinkCommand.relay, body: Buffer.alloc(CELL_BODY_BYTES + 1) }))).toBe(TunnelErrorCode.INVALID_ARGUMENT)
    expect(thrownCode(() => encodeLinkCell({ circuitId: 0, command: LinkCommand.relay, body: Buffer.alloc(1) }))).toBe(TunnelErrorCode.INVALID_ARGUMENT)
    expect(thrownCode(() => encodeLinkCell({ circuitId: 2 ** 32, command: LinkCommand.relay, body: Buffer.alloc(1) }))).toBe(TunnelErrorCode.INVALID_ARGUMENT)
    expect(thrownCode(() => encodeLinkCell({ circuitId: 1, command: 9 as LinkCommand, body: Buffer.alloc(1) }))).toBe(TunnelErrorCode.INVALID_ARGUMENT)
    expect(encodeLinkCell({ circuitId: 1, command: LinkCommand.relay, body: Buffer.alloc(CELL_BODY_BYTES, 1) }).length).toBe(CELL_BYTES)
  })
})
