import { describe, expect, it } from 'vitest'
import { RESOLVE_ERRORS } from '../../../../src/resolvers/types.js'
import { TornetError } from '../../../../src/node/errors.js'
import { GATEWAY_ERRORS } from '../../../../src/gateway/errors.js'
import { SOCKS5_REPLY } from '../../../../src/gateway/socks/constants.js'
import { errorToSocksReply } from '../../../../src/gateway/socks/error-to-reply.js'

const err = (code: string, message = 'what failed'): TornetError => new TornetError(code, message)

describe('error → SOCKS reply', () => {
  it('maps refusals, lookups and connection failures to their reply codes', () => {
    expect(errorToSocksReply(err(GATEWAY_ERRORS.notTornet))).toBe(SOCKS5_REPLY.notAllowed)
    expect(errorToSocksReply(err(GATEWAY_ERRORS.noTls))).toBe(SOCKS5_REPLY.notAllowed)
    expect(errorToSocksReply(err(RESOLVE_ERRORS.notFound))).toBe(SOCKS5_REPLY.hostUnreachable)
    expect(errorToSocksReply(err('ECONNREFUSED'))).toBe(SOCKS5_REPLY.connectionRefused)
    expect(errorToSocksReply(err('ENETUNREACH'))).toBe(SOCKS5_REPLY.networkUnreachable)
    expect(errorToSocksReply(err('ETIMEDOUT'))).toBe(SOCKS5_REPLY.ttlExpired)
    expect(errorToSocksReply(new Error('?'))).toBe(SOCKS5_REPLY.generalFailure)
  })
})
