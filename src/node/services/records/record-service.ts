import type { Contact } from '../../routing/contact.js'
import { tryDecode } from '../../wire/codec.js'
import type { ServiceNetwork } from '../service-network.js'
import { recordRequestHandler } from './handlers/index.js'
import { type Admission, offerFromPeer } from './replica-admission.js'

export interface RecordServiceOptions<Held, Key, Code> extends Admission<Held, Key, Code> {
  network: ServiceNetwork
  /** How often `periodic` runs (republish, renew); 0 turns the timer off. */
  intervalMs: number
  /** The owner's periodic work; `signal` aborts when the service stops. A run still going skips the next tick. */
  periodic: (signal: AbortSignal) => Promise<void>
  /** Whether stop() waits for a periodic run in progress (names: a renewal must not outlive stop). */
  stopWaitsForPeriodic: boolean
}

/** The lifecycle every record kind shares: register once, start the periodic timer, stop it. */
export interface RecordService {
  readonly running: boolean
  start: () => void
  stop: () => Promise<void>
}

/**
 * Registers a kind's request handler and FIND_VALUE provider with the network
 * (once per service: the network refuses a second provider for a value kind)
 * and runs the owner's periodic work on a timer while started.
 */
export function createRecordService<Held, Key, Code> (o: RecordServiceOptions<Held, Key, Code>): RecordService {
  const { network, kind, holder } = o
  let running = false
  let registered = false
  let timer: NodeJS.Timeout | undefined
  let current: Promise<void> | undefined
  let stopping = new AbortController()

  function registerWithNetwork (): void {
    registered = true
    network.registerService(kind.service, { onRequest: recordRequestHandler(o) })
    network.registerValueProvider(kind.valueKind, {
      get: (location: Buffer) => holder.encodedAt(location),
      validate: (location: Buffer, value: Buffer) => kind.isValidAt(location, value),
      // A lookup that found the record offers it here because we lacked it: kept if the kind's rule takes it.
      cache: (_location: Buffer, value: Buffer, from: Contact) => {
        const held = tryDecode(kind.decode, value)
        return held !== undefined && offerFromPeer(o, held, from).accepted
      }
    })
  }

  return {
    get running () { return running },
    start () {
      if (running) return
      running = true
      stopping = new AbortController()
      if (!registered) registerWithNetwork()
      if (o.intervalMs <= 0) return
      timer = setInterval(() => {
        if (current !== undefined) return
        current = o.periodic(stopping.signal).catch(() => undefined).finally(() => { current = undefined })
      }, o.intervalMs)
      timer.unref()
    },
    async stop () {
      running = false
      if (timer !== undefined) clearInterval(timer)
      timer = undefined
      stopping.abort()
      if (o.stopWaitsForPeriodic) await current
    }
  }
}
