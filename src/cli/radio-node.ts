import { type RadioService, type TornetNode, tornetError } from '../node/index.js'

/** Code of the error below: this build's node has no radio service. */
export const RADIO_UNAVAILABLE = 'CLI_RADIO_UNAVAILABLE'

/**
 * The node's radio service. The one place the CLI and the demo reach it, so
 * that wiring it (node.radio, from the radio core) is a one-line change here.
 */
export function radioOf (node: TornetNode): RadioService {
  const radio = (node as unknown as { radio?: RadioService }).radio
  if (radio === undefined) throw tornetError(RADIO_UNAVAILABLE, 'this build of tornet has no radio service yet: update tornet and rebuild (npm run build)')
  return radio
}
