/**
 * The mixed port's first byte decides the protocol: a SOCKS greeting starts
 * with its version (05 or 04); an HTTP request starts with a method name in
 * ASCII letters, and everything else is left to the HTTP parser to reject.
 */
export type SniffedProtocol = 'socks5' | 'socks4' | 'http'

export function sniffProtocol (firstByte: number): SniffedProtocol {
  if (firstByte === 0x05) return 'socks5'
  if (firstByte === 0x04) return 'socks4'
  return 'http'
}
