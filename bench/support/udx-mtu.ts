import { createRequire } from 'node:module'

/**
 * Holds a udx-native stream at a fixed MTU, so the transport benchmark
 * compares Tornet and udx at the same datagram size. udx-native (libudx)
 * starts at UDX_MTU_BASE = 1200 and, after connect, probes in 32-byte steps up
 * to mtu_max = min(1500, the interface MTU): on loopback it always ends at 1500,
 * and it has no option to stop there. Its struct fields are reachable from JS
 * (the stream's `_handle` is the C struct's memory; binding.cc exports
 * offsetof_udx_stream_t_mtu), and in libudx's udx_stream_t `int mtu_max`
 * directly precedes `uint16_t mtu`. Setting mtu_max to the base ends the
 * search at its first step (the probe size equals mtu_max). We write only
 * after checking that the field reads what connect() put there (1500 on
 * loopback) and that `mtu` reads 1200, so a different struct layout is
 * detected (returns false) rather than corrupted.
 *
 * libudx's "mtu" counts the IPv4 and UDP headers: mtu 1200 is a 1,172-byte
 * UDP payload (20-byte udx header + 1,152 data bytes).
 */
interface UdxStreamHandle { _handle: Uint8Array }

export const UDX_BASE_MTU = 1200
const UDX_MAX_MTU = 1500

export function pinUdxMtu (stream: unknown, mtu = UDX_BASE_MTU): boolean {
  const binding = createRequire(import.meta.url)('udx-native/binding.js') as { offsetof_udx_stream_t_mtu?: number }
  const off = binding.offsetof_udx_stream_t_mtu
  const h = (stream as UdxStreamHandle)._handle
  if (typeof off !== 'number' || !(h instanceof Uint8Array) || off < 4 || off % 4 !== 0) return false
  const view = new DataView(h.buffer, h.byteOffset, h.byteLength)
  if (view.getUint16(off, true) !== UDX_BASE_MTU || view.getInt32(off - 4, true) !== UDX_MAX_MTU) return false
  view.setInt32(off - 4, mtu, true)
  return true
}
