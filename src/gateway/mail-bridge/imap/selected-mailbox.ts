/**
 * The mailbox a session has selected: its messages in UID order (sequence
 * number = position + 1), their flags, and how it catches up with the
 * folder (new mail, messages moved away by the webmail or another client),
 * reporting that as the untagged EXISTS / EXPUNGE / FETCH FLAGS responses
 * RFC 3501 §7.3-7.4 asks for.
 */
import type { MessageSummary } from '../../../node/index.js'
import { listFolder, type BridgeMail, type ImapFolder } from '../mail-port.js'
import { flagList } from './imap-encode.js'
import { inSequenceSet, type SequenceRange } from './sequence-set.js'
import type { UidStore } from './uid-store.js'

export interface Slot {
  uid: number
  summary: MessageSummary
}

/**
 * \Deleted marks, shared by every session (a client's second connection sees them), keyed by
 * folder and message id; they live until EXPUNGE/CLOSE or a restart, as they mean "about to go".
 */
export class DeletedMarks {
  private readonly marks = new Set<string>()
  has (folder: string, id: string): boolean { return this.marks.has(folder + '/' + id) }
  set (folder: string, id: string, on: boolean): void {
    if (on) this.marks.add(folder + '/' + id)
    else this.marks.delete(folder + '/' + id)
  }
}

export class SelectedMailbox {
  slots: Slot[] = []

  constructor (
    readonly folder: ImapFolder,
    readonly readOnly: boolean,
    private readonly mail: BridgeMail,
    private readonly uids: UidStore,
    readonly deleted: DeletedMarks
  ) {}

  get validity (): number { return this.uids.validity(this.folder.folder) }
  get uidNext (): number { return this.uids.next(this.folder.folder) }
  get maxUid (): number { return this.slots.length === 0 ? 0 : this.slots[this.slots.length - 1].uid }

  flagsOf (slot: Slot): string {
    const flags: string[] = []
    if (!slot.summary.unread) flags.push('\\Seen')
    if (this.isDeleted(slot)) flags.push('\\Deleted')
    return flagList(flags)
  }

  isDeleted (slot: Slot): boolean { return this.deleted.has(this.folder.folder, slot.summary.id) }

  /** The slots a sequence set names, with their sequence numbers, in order. */
  select (ranges: SequenceRange[], byUid: boolean): Array<{ seq: number, slot: Slot }> {
    const out: Array<{ seq: number, slot: Slot }> = []
    const star = byUid ? this.maxUid : this.slots.length
    this.slots.forEach((slot, i) => {
      if (inSequenceSet(byUid ? slot.uid : i + 1, ranges, star)) out.push({ seq: i + 1, slot })
    })
    return out
  }

  /**
   * Reads the folder again. Returns the untagged lines to send: EXPUNGE for messages gone,
   * FETCH FLAGS for seen-state changes, EXISTS when the count changed (or `always`).
   */
  async refresh (always = false): Promise<string[]> {
    const summaries = await listFolder(this.mail, this.folder.folder)
    const entries = await this.uids.sync(this.folder.folder, summaries.map((s) => s.id))
    const byId = new Map(summaries.map((s) => [s.id, s]))
    const fresh: Slot[] = []
    for (const e of entries) {
      const summary = byId.get(e.id)
      if (summary !== undefined) fresh.push({ uid: e.uid, summary })
    }
    const freshByUid = new Map(fresh.map((s) => [s.uid, s]))
    const lines: string[] = []
    let removed = 0
    const kept: Slot[] = []
    this.slots.forEach((old, i) => {
      const now = freshByUid.get(old.uid)
      if (now === undefined) {
        lines.push(`* ${i + 1 - removed} EXPUNGE`)
        removed++
        return
      }
      kept.push(now)
      if (now.summary.unread !== old.summary.unread) lines.push(`* ${kept.length} FETCH (UID ${now.uid} FLAGS ${this.flagsOf(now)})`)
    })
    const before = this.slots.length
    // UIDs only grow, so every new message sorts after the ones this session already knows.
    this.slots = fresh
    if (always || fresh.length !== before - removed) lines.push(`* ${fresh.length} EXISTS`)
    return lines
  }
}
