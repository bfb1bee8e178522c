/** What one rendering of the dashboard shows: the node's answers, gathered before rendering (page.ts is pure). */
import type { NameJob } from './name-jobs.js'
import type { NodeStatus, PeerInfo, PublishedItem, StorageInfo, TrafficInfo } from './port.js'
import type { RenderedSection } from './sections.js'

/** A reading from the node: its value, or the code of the error it gave. */
export type Reading<T> = { ok: true, value: T } | { ok: false, code: string }

export interface DashboardView {
  now: number
  status: Reading<NodeStatus>
  peers: Reading<PeerInfo[]>
  storage: Reading<StorageInfo>
  traffic: Reading<TrafficInfo>
  published: Reading<PublishedItem[]>
  sections: RenderedSection[]
  names: readonly NameJob[]
  /** Set after a publish: the reference from ?published=. */
  justPublished?: string
  gatewayAuthority: string // host:port that reaches the gateway from this browser
  passThrough: boolean
  csrfToken: string
  canRegisterNames: boolean
  maxUploadBytes: number
  scriptNonce: string
}

export const MAX_PEER_ROWS = 200
export const MAX_PUBLISHED_ROWS = 200
