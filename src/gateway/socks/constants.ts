/**
 * SOCKS constants (RFC 1928, RFC 1929, and the SOCKS4/4a notes).
 *
 * SOCKS5 bytes, client → gateway:
 *   greeting   VER=05 NMETHODS(1..255) METHODS[NMETHODS]
 *   userpass   VER=01 ULEN(1..255) UNAME PLEN(0..255) PASSWD      (only if we chose method 02)
 *   request    VER=05 CMD RSV=00 ATYP DST.ADDR DST.PORT(u16 BE)
 *              ATYP 01: 4 bytes IPv4; 03: LEN(1..255) + name; 04: 16 bytes IPv6
 * gateway → client:
 *   method     VER=05 METHOD                                       (FF = none acceptable)
 *   auth       VER=01 STATUS=00
 *   reply      VER=05 REP RSV=00 ATYP=01 BND.ADDR(4) BND.PORT(2)
 *
 * SOCKS4/4a, client → gateway:
 *   VN=04 CD DSTPORT(u16 BE) DSTIP(4) USERID... 00 [HOST... 00 when DSTIP = 0.0.0.x, x ≠ 0]
 * gateway → client:
 *   VN=00 CD(5A granted / 5B rejected) DSTPORT(2) DSTIP(4)
 */

export const SOCKS5_VERSION = 0x05
export const SOCKS4_VERSION = 0x04
export const USERPASS_VERSION = 0x01

export const SOCKS5_METHOD = {
  noAuth: 0x00,
  gssapi: 0x01,
  userPass: 0x02,
  noneAcceptable: 0xff
} as const

export const SOCKS_COMMAND = {
  connect: 0x01,
  bind: 0x02,
  udpAssociate: 0x03
} as const

export const SOCKS5_ATYP = {
  ipv4: 0x01,
  domain: 0x03,
  ipv6: 0x04
} as const

export const SOCKS5_REPLY = {
  succeeded: 0x00,
  generalFailure: 0x01,
  notAllowed: 0x02, // "connection not allowed by ruleset"
  networkUnreachable: 0x03,
  hostUnreachable: 0x04,
  connectionRefused: 0x05,
  ttlExpired: 0x06, // used for timeouts, as Tor does
  commandNotSupported: 0x07,
  addressTypeNotSupported: 0x08
} as const

export type Socks5ReplyCode = typeof SOCKS5_REPLY[keyof typeof SOCKS5_REPLY]

export const SOCKS4_REPLY = {
  granted: 0x5a,
  rejected: 0x5b
} as const

/** Longest USERID or 4a host name we buffer before calling the request malformed. */
export const SOCKS4_MAX_FIELD = 255
