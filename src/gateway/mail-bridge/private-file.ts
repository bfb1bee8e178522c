/**
 * Where the bridge keeps its files in the data directory (its password, its IMAP UID map,
 * the ports of its last run). They are written as the node writes secret key files (0600,
 * atomic: a crash leaves the old file or the new one), with the node's helper.
 */
import { join } from 'node:path'

export { writeSecretFile as writePrivateFile, readSecretFile as readPrivateFile, othersMay } from '../../node/index.js'

export const BRIDGE_DIR = 'mail-bridge'

export function bridgeFile (dataDir: string, name: string): string {
  return join(dataDir, BRIDGE_DIR, name)
}
