import { GATEWAY_ERRORS, gatewayError } from '../errors.js'
import type { ResolveTarget } from '../ports.js'

/** The error for a target no app serves, saying where the address does lead when that is known. */
export function noAppFor (target: ResolveTarget, host: string): Error {
  switch (target.kind) {
    case 'unsupported':
      return gatewayError(GATEWAY_ERRORS.unsupportedNetwork,
        `${host} points to a ${target.network} address (${target.address}): open it in ${networkBrowser(target.network)}.` +
        (target.message.length > 0 ? ` ${target.message}` : ''))
    case 'clearnet':
      return gatewayError(GATEWAY_ERRORS.clearnetRefused, `${host} points at the ordinary internet, and pass-through is off.`)
    default:
      return gatewayError(GATEWAY_ERRORS.noApp, `${host} resolves to a ${target.kind}, which this gateway cannot open yet.`)
  }
}

function networkBrowser (network: string): string {
  if (network === 'tor') return 'Tor Browser'
  if (network === 'i2p') return 'a browser set up for I2P'
  if (network === 'freenet') return 'Freenet (Hyphanet)'
  return `software for the ${network} network`
}
