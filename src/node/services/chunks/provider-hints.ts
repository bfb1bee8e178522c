import type { Contact } from '../../routing/contact.js'

/**
 * Who served the other parts of a blob. A large file is fetched part by part, and the nodes
 * that provide one part nearly always provide the next (they fetched or published the whole
 * file). A provider lookup per part is a DHT walk plus signature checks on every reply, for
 * each megabyte; so the providers found for a part of a group (a blob, named by its reader)
 * are asked first for the following parts, and a real lookup runs again every
 * `refreshEvery` parts (new providers come in), and at once whenever the hinted ones cannot
 * deliver a part. A hint only decides whom to ask: every slice is still checked against the
 * caller's descriptor and the chunk against its id.
 *
 * Bounded: `maxGroups` groups (least recently used dropped), `maxProviders` each.
 */
export interface ProviderHintsOptions {
  maxGroups?: number
  maxProviders?: number
  refreshEvery?: number
}

interface Hint { providers: Contact[], uses: number }

export class ProviderHints {
  private readonly groups = new Map<string, Hint>()
  private readonly maxGroups: number
  private readonly maxProviders: number
  private readonly refreshEvery: number

  constructor (o: ProviderHintsOptions = {}) {
    this.maxGroups = o.maxGroups ?? 64
    this.maxProviders = o.maxProviders ?? 8
    this.refreshEvery = o.refreshEvery ?? 16
  }

  /**
   * The providers to try for the next part of `group` without a lookup, or undefined: look up.
   * When a refresh is due, one caller is told to look up and parts fetched meanwhile (a reader
   * fetches a few ahead) keep using the hint, unless that lookup never reports back.
   */
  take (group: string): Contact[] | undefined {
    const h = this.groups.get(group)
    if (h === undefined || h.providers.length === 0) return undefined
    h.uses++
    this.groups.delete(group)
    this.groups.set(group, h)
    if (h.uses === this.refreshEvery + 1 || h.uses > 2 * this.refreshEvery) return undefined
    return h.providers
  }

  /** After a lookup for a part of `group`: these are its providers now (those that delivered first). */
  found (group: string, providers: Contact[]): void {
    const seen = new Set<string>()
    const list: Contact[] = []
    for (const p of providers) {
      const hex = p.id.toString('hex')
      if (seen.has(hex)) continue
      seen.add(hex)
      list.push(p)
      if (list.length >= this.maxProviders) break
    }
    this.groups.delete(group)
    this.groups.set(group, { providers: list, uses: 0 })
    while (this.groups.size > this.maxGroups) this.groups.delete(this.groups.keys().next().value as string)
  }

  /** The hinted providers could not deliver a part: look up again next time. */
  miss (group: string): void {
    this.groups.delete(group)
  }
}
