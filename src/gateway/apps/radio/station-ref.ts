/**
 * A station as written in a URL → its 32-byte id. Tried in order: 64 hex
 * digits (the id itself), the label of a station this node knows (so the
 * demo's `welcome-radio` works before any name is registered), and a
 * `.tor-net` name whose record targets `station:<hex>`.
 */
import { errorCode, GATEWAY_ERRORS, gatewayError } from '../../errors.js'
import type { ResolveTarget } from '../../ports.js'
import { RESOLVE_ERRORS } from '../../../resolvers/types.js'
import type { RadioService } from './radio-port.js'

export type ResolveHost = (host: string, signal: AbortSignal) => Promise<ResolveTarget>

const STATION_HEX = /^[0-9a-f]{64}$/

/** The id a resolved target names, or undefined when it is not a station. */
export function stationIdOf (target: ResolveTarget): Buffer | undefined {
  return target.kind === 'station' && STATION_HEX.test(target.publicKey) ? Buffer.from(target.publicKey, 'hex') : undefined
}

export async function resolveStation (text: string, radio: RadioService, resolveHost: ResolveHost | undefined,
  signal: AbortSignal): Promise<Buffer> {
  if (STATION_HEX.test(text)) return Buffer.from(text, 'hex')
  const byLabel = radio.known().find(s => s.label.toLowerCase() === text)
  if (byLabel !== undefined) return byLabel.id
  const host = text.endsWith('.tor-net') ? text : `${text}.tor-net`
  if (resolveHost === undefined) throw notFound(`No station this node knows is labelled “${text}”.`)
  let target: ResolveTarget
  try {
    target = await resolveHost(host, signal)
  } catch (err) {
    const code = errorCode(err)
    if (code === RESOLVE_ERRORS.notFound || code === RESOLVE_ERRORS.expired || code === RESOLVE_ERRORS.invalidName) {
      throw notFound(`“${text}” is neither a station id (64 hex digits), a station this node knows, nor a registered name.`)
    }
    throw err
  }
  const id = stationIdOf(target)
  if (id === undefined) throw notFound(`${host} names a ${target.kind}, not a radio station.`)
  return id
}

export function notFound (message: string): Error {
  return gatewayError(GATEWAY_ERRORS.stationNotFound, message)
}
