import type { LocalTable, TornetNode } from '../../node/index.js'
import type { PublishedItem } from '../../gateway/apps/dashboard/port.js'

/** What this node has published (for the dashboard), kept in the node's LMDB store. */
export class PublishedList {
  private readonly db: LocalTable
  constructor (node: TornetNode) {
    this.db = node.localTable('published')
  }

  list (): PublishedItem[] {
    const out: PublishedItem[] = []
    for (const value of this.db.values()) {
      try { out.push(JSON.parse(value.toString('utf8')) as PublishedItem) } catch { /* a damaged entry is skipped */ }
    }
    return out.sort((a, b) => b.publishedAt - a.publishedAt)
  }

  async add (item: PublishedItem): Promise<void> {
    const old = this.get(item.reference)
    await this.db.put(item.reference, Buffer.from(JSON.stringify({ ...old, ...item, name: item.name ?? old?.name, nameUrl: item.nameUrl ?? old?.nameUrl })))
  }

  async setName (reference: string, name: string): Promise<void> {
    const old = this.get(reference)
    if (old === undefined) return
    await this.add({ ...old, name, nameUrl: `http://${name}.tor-net/` })
  }

  private get (reference: string): PublishedItem | undefined {
    const v = this.db.get(reference)
    if (v === undefined) return undefined
    try { return JSON.parse(v.toString('utf8')) as PublishedItem } catch { return undefined }
  }
}
