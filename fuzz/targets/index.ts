/** Every fuzz target, in the order `npm run fuzz -- all` runs them. */
import type { FuzzTarget } from '../harness.js'
import { channelFrames, handshakePayloads, linkPackets, relayFrames, streamFrames } from './link.js'
import { ledgerAddresses, punchMessages, reachMessages, routingMessages } from './routing.js'
import { exitMessages, hiddenDescriptors, hiddenMessages, linkCells, relayMessages, sealedDescriptors } from './tunnels.js'
import { httpHeads, multipartUploads, socksHandshake } from './gateway.js'
import { electrumxAnswers, nameValues } from './namecoin.js'
import { configFiles, ledgerRecords } from './local-files.js'
import { contentRecords, radioAudio } from './content.js'
import { chunkRequests, chunkStream, kvMessages, mailMessages, namesMessages, radioMessages } from './services.js'

export const TARGETS: ReadonlyArray<FuzzTarget<any>> = [
  linkPackets, handshakePayloads, channelFrames, streamFrames, relayFrames,
  routingMessages, punchMessages, reachMessages, ledgerAddresses,
  chunkRequests, chunkStream, kvMessages, namesMessages, mailMessages, radioMessages,
  linkCells, relayMessages, exitMessages, hiddenMessages, hiddenDescriptors, sealedDescriptors,
  socksHandshake, httpHeads, multipartUploads,
  nameValues, electrumxAnswers,
  ledgerRecords, configFiles,
  contentRecords, radioAudio
]

export function targetNamed (name: string): FuzzTarget<any> | undefined {
  return TARGETS.find(t => t.name === name)
}
