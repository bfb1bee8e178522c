/**
 * The SOCKS5 / SOCKS4a server handshake as a pure state machine: bytes in,
 * events out (bytes to write, the finished request, or a failure with the
 * reply to send before closing). No sockets here; socks-session.ts does I/O.
 * Byte layouts are in constants.ts.
 */
import { SOCKS_ERRORS } from '../errors.js'
import { normalizeHost } from '../hosts.js'
import { NO_ISOLATION, isolationFromBytes } from '../http/isolation.js'
import {
  SOCKS4_MAX_FIELD, SOCKS4_REPLY, SOCKS4_VERSION, SOCKS5_ATYP, SOCKS5_METHOD, SOCKS5_REPLY,
  SOCKS5_VERSION, SOCKS_COMMAND, USERPASS_VERSION, type Socks5ReplyCode
} from './constants.js'

export interface SocksRequest {
  version: 4 | 5
  host: string // lowercase name or IP literal
  port: number
  addressType: 'ipv4' | 'ipv6' | 'domain'
  isolation: string // the SOCKS5 username or SOCKS4 user id ('' when none): see http/isolation.ts
}

export type SocksEvent =
  | { type: 'write', bytes: Uint8Array }
  | { type: 'request', request: SocksRequest, rest: Uint8Array } // rest: early bytes after the request
  | { type: 'fail', code: string, reply?: Uint8Array } // write reply (if any), then close

type State = 'start' | 'greeting' | 'auth' | 'request5' | 'request4' | 'done'

// What a parse step found: not enough bytes yet, or events plus how many bytes it used.
// isolation: the username an auth step read, kept for the request that follows.
type Step = { need: true } | { need: false, used: number, events: SocksEvent[], next: State, isolation?: string }

const NEED: Step = { need: true }

export function socks5Reply (code: Socks5ReplyCode): Uint8Array {
  // BND.ADDR/PORT 0.0.0.0:0: clients ignore them for CONNECT, and we have no real upstream socket.
  return Uint8Array.of(SOCKS5_VERSION, code, 0x00, SOCKS5_ATYP.ipv4, 0, 0, 0, 0, 0, 0)
}

export function socks4Reply (granted: boolean): Uint8Array {
  return Uint8Array.of(0x00, granted ? SOCKS4_REPLY.granted : SOCKS4_REPLY.rejected, 0, 0, 0, 0, 0, 0)
}

/** The final reply for a request, in the client's SOCKS version. */
export function replyFor (version: 4 | 5, code: Socks5ReplyCode): Uint8Array {
  return version === 5 ? socks5Reply(code) : socks4Reply(code === SOCKS5_REPLY.succeeded)
}

export class SocksHandshake {
  private state: State = 'start'
  private pending: Buffer = Buffer.alloc(0)
  private isolation = NO_ISOLATION

  get finished (): boolean {
    return this.state === 'done'
  }

  /** Feeds bytes from the client; returns what to do, in order. Nothing after a request or failure. */
  push (bytes: Uint8Array): SocksEvent[] {
    if (this.state === 'done') return []
    this.pending = this.pending.length === 0 ? Buffer.from(bytes) : Buffer.concat([this.pending, bytes])
    const out: SocksEvent[] = []
    for (;;) {
      const step = this.step()
      if (step.need) return out
      this.pending = this.pending.subarray(step.used)
      this.state = step.next
      if (step.isolation !== undefined) this.isolation = step.isolation
      out.push(...step.events)
      const last = step.events[step.events.length - 1]
      if (last !== undefined && last.type !== 'write') {
        this.pending = Buffer.alloc(0)
        return out
      }
    }
  }

  private step (): Step {
    const b = this.pending
    switch (this.state) {
      case 'start':
        if (b.length < 1) return NEED
        if (b[0] === SOCKS5_VERSION) return { need: false, used: 0, events: [], next: 'greeting' }
        if (b[0] === SOCKS4_VERSION) return { need: false, used: 0, events: [], next: 'request4' }
        return fail(SOCKS_ERRORS.malformed)
      case 'greeting': return parseGreeting(b)
      case 'auth': return parseUserPass(b)
      case 'request5': return parseRequest5(b, this.isolation)
      case 'request4': return parseRequest4(b)
      case 'done': return NEED
    }
  }
}

function fail (code: string, reply?: Uint8Array): Step {
  return { need: false, used: 0, events: [{ type: 'fail', code, reply }], next: 'done' }
}

function parseGreeting (b: Buffer): Step {
  if (b.length < 2) return NEED
  const count = b[1]!
  if (count === 0) return fail(SOCKS_ERRORS.malformed, Uint8Array.of(SOCKS5_VERSION, SOCKS5_METHOD.noneAcceptable))
  if (b.length < 2 + count) return NEED
  const methods = b.subarray(2, 2 + count)
  // Username/password first when offered: no password is checked, but the username is the request's
  // isolation tag (Tor's IsolateSOCKSAuth: clients offer credentials to ask for separate circuits,
  // and choosing no-auth would drop them). Otherwise no-auth.
  const method = methods.includes(SOCKS5_METHOD.userPass)
    ? SOCKS5_METHOD.userPass
    : methods.includes(SOCKS5_METHOD.noAuth) ? SOCKS5_METHOD.noAuth : undefined
  if (method === undefined) {
    return fail(SOCKS_ERRORS.noAcceptableMethod, Uint8Array.of(SOCKS5_VERSION, SOCKS5_METHOD.noneAcceptable))
  }
  return {
    need: false,
    used: 2 + count,
    events: [{ type: 'write', bytes: Uint8Array.of(SOCKS5_VERSION, method) }],
    next: method === SOCKS5_METHOD.noAuth ? 'request5' : 'auth'
  }
}

function parseUserPass (b: Buffer): Step {
  const authFailed = Uint8Array.of(USERPASS_VERSION, 0x01)
  if (b.length < 2) return NEED
  if (b[0] !== USERPASS_VERSION) return fail(SOCKS_ERRORS.badAuth, authFailed)
  // An empty user name (RFC 1929 asks for 1-255 bytes) is taken as none, as Tor does: since
  // username/password is chosen whenever it is offered, a client offering it with blank
  // credentials must still get through.
  const userLength = b[1]!
  if (b.length < 3 + userLength) return NEED
  const passLength = b[2 + userLength]!
  const used = 3 + userLength + passLength
  if (b.length < used) return NEED
  const isolation = isolationFromBytes(b.subarray(2, 2 + userLength))
  return { need: false, used, events: [{ type: 'write', bytes: Uint8Array.of(USERPASS_VERSION, 0x00) }], next: 'request5', isolation }
}

function parseRequest5 (b: Buffer, isolation: string): Step {
  if (b.length < 4) return NEED
  if (b[0] !== SOCKS5_VERSION || b[2] !== 0x00) return fail(SOCKS_ERRORS.malformed, socks5Reply(SOCKS5_REPLY.generalFailure))
  const command = b[1]!
  const atyp = b[3]!
  let addressLength: number
  let offset = 4
  if (atyp === SOCKS5_ATYP.ipv4) addressLength = 4
  else if (atyp === SOCKS5_ATYP.ipv6) addressLength = 16
  else if (atyp === SOCKS5_ATYP.domain) {
    if (b.length < 5) return NEED
    addressLength = b[4]!
    offset = 5
    if (addressLength === 0) return fail(SOCKS_ERRORS.malformed, socks5Reply(SOCKS5_REPLY.generalFailure))
  } else {
    return fail(SOCKS_ERRORS.addressTypeNotSupported, socks5Reply(SOCKS5_REPLY.addressTypeNotSupported))
  }
  const used = offset + addressLength + 2
  if (b.length < used) return NEED
  // The command is checked once the whole request is in, so the reply comes at a message boundary.
  if (command !== SOCKS_COMMAND.connect) {
    return fail(SOCKS_ERRORS.commandNotSupported, socks5Reply(SOCKS5_REPLY.commandNotSupported))
  }
  const address = b.subarray(offset, offset + addressLength)
  const port = b.readUInt16BE(offset + addressLength)
  if (port === 0) return fail(SOCKS_ERRORS.malformed, socks5Reply(SOCKS5_REPLY.generalFailure))
  let host: string | undefined
  let addressType: SocksRequest['addressType']
  if (atyp === SOCKS5_ATYP.ipv4) {
    host = formatIPv4(address)
    addressType = 'ipv4'
  } else if (atyp === SOCKS5_ATYP.ipv6) {
    host = formatIPv6(address)
    addressType = 'ipv6'
  } else {
    host = decodeHostName(address)
    addressType = 'domain'
    if (host === undefined) return fail(SOCKS_ERRORS.badHost, socks5Reply(SOCKS5_REPLY.hostUnreachable))
  }
  return request({ version: 5, host, port, addressType, isolation }, b, used)
}

function parseRequest4 (b: Buffer): Step {
  if (b.length < 8) return NEED
  const rejected = socks4Reply(false)
  const command = b[1]!
  const port = b.readUInt16BE(2)
  const ip = b.subarray(4, 8)
  const userEnd = b.indexOf(0, 8)
  if (userEnd < 0) {
    return b.length - 8 > SOCKS4_MAX_FIELD ? fail(SOCKS_ERRORS.malformed, rejected) : NEED
  }
  if (userEnd - 8 > SOCKS4_MAX_FIELD) return fail(SOCKS_ERRORS.malformed, rejected)
  // SOCKS4a: DSTIP 0.0.0.x (x ≠ 0) means "a host name follows the user id".
  const isSocks4a = ip[0] === 0 && ip[1] === 0 && ip[2] === 0 && ip[3] !== 0
  let used = userEnd + 1
  let host: string | undefined
  if (isSocks4a) {
    const nameEnd = b.indexOf(0, used)
    if (nameEnd < 0) {
      return b.length - used > SOCKS4_MAX_FIELD ? fail(SOCKS_ERRORS.malformed, rejected) : NEED
    }
    if (nameEnd - used > SOCKS4_MAX_FIELD || nameEnd === used) return fail(SOCKS_ERRORS.malformed, rejected)
    host = decodeHostName(b.subarray(used, nameEnd))
    used = nameEnd + 1
    if (host === undefined) return fail(SOCKS_ERRORS.badHost, rejected)
  } else {
    host = formatIPv4(ip)
    if (host === '0.0.0.0') return fail(SOCKS_ERRORS.malformed, rejected)
  }
  if (command !== SOCKS_COMMAND.connect) return fail(SOCKS_ERRORS.commandNotSupported, rejected)
  if (port === 0) return fail(SOCKS_ERRORS.malformed, rejected)
  const isolation = isolationFromBytes(b.subarray(8, userEnd))
  return request({ version: 4, host, port, addressType: isSocks4a ? 'domain' : 'ipv4', isolation }, b, used)
}

function request (req: SocksRequest, b: Buffer, used: number): Step {
  // rest is copied: the pending buffer is dropped right after.
  return { need: false, used, events: [{ type: 'request', request: req, rest: Uint8Array.from(b.subarray(used)) }], next: 'done' }
}

function decodeHostName (bytes: Uint8Array): string | undefined {
  for (const byte of bytes) if (byte < 0x21 || byte > 0x7e) return undefined // printable ASCII only
  return normalizeHost(Buffer.from(bytes).toString('latin1'))
}

function formatIPv4 (b: Uint8Array): string {
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`
}

function formatIPv6 (b: Uint8Array): string {
  const groups: string[] = []
  for (let i = 0; i < 16; i += 2) groups.push(((b[i]! << 8) | b[i + 1]!).toString(16))
  return groups.join(':')
}
