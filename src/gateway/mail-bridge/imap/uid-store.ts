/**
 * Stable IMAP UIDs for MailApi message ids, per folder, kept in the data
 * directory (mail-bridge/uids.json) so a client's cache stays valid across
 * restarts. UIDs only grow: a message that arrives in a folder (or comes
 * back to it) gets the next UID; ids gone from a folder are forgotten.
 * UIDVALIDITY is fixed per folder when the folder is first seen, from the
 * clock, so a lost file gives new values and clients resynchronise instead
 * of trusting stale UIDs.
 */
import { MailBridgeError, MailBridgeErrorCode } from '../errors.js'
import { bridgeFile, readPrivateFile, writePrivateFile } from '../private-file.js'
import type { MailFolder } from '../../../node/index.js'

interface FolderState {
  validity: number
  next: number
  uids: Map<string, number>
}

export interface UidEntry {
  id: string
  uid: number
}

const VERSION = 1

export class UidStore {
  private readonly folders = new Map<MailFolder, FolderState>()
  private lock: Promise<unknown> = Promise.resolve()

  private constructor (private readonly file: string | undefined) {}

  /** Opens (or starts) the UID map of a data directory; without one, UIDs live in memory only. */
  static open (dataDir: string | undefined): UidStore {
    const store = new UidStore(dataDir === undefined ? undefined : bridgeFile(dataDir, 'uids.json'))
    if (store.file !== undefined) store.load(store.file)
    return store
  }

  validity (folder: MailFolder): number { return this.state(folder).validity }
  next (folder: MailFolder): number { return this.state(folder).next }

  /**
   * Maps the folder's current ids (oldest first) to UIDs, giving new ids the next ones and
   * forgetting ids no longer there; returns the entries in UID order. Calls are serialised.
   */
  async sync (folder: MailFolder, ids: string[]): Promise<UidEntry[]> {
    const run = this.lock.then(() => this.syncNow(folder, ids))
    this.lock = run.catch(() => {})
    return await run
  }

  private syncNow (folder: MailFolder, ids: string[]): UidEntry[] {
    const s = this.state(folder)
    let changed = false
    const present = new Set(ids)
    for (const id of s.uids.keys()) {
      if (!present.has(id)) { s.uids.delete(id); changed = true }
    }
    const entries: UidEntry[] = []
    for (const id of ids) {
      let uid = s.uids.get(id)
      if (uid === undefined) {
        uid = s.next++
        s.uids.set(id, uid)
        changed = true
      }
      entries.push({ id, uid })
    }
    if (changed) this.save()
    return entries.sort((a, b) => a.uid - b.uid)
  }

  private state (folder: MailFolder): FolderState {
    let s = this.folders.get(folder)
    if (s === undefined) {
      s = { validity: Math.max(1, Math.floor(Date.now() / 1000)), next: 1, uids: new Map() }
      this.folders.set(folder, s)
      this.save()
    }
    return s
  }

  private load (file: string): void {
    let read
    try {
      read = readPrivateFile(file)
    } catch (err) {
      throw this.corrupt(file, `it cannot be read (${(err as Error).message})`)
    }
    if (read === undefined) return
    let doc: unknown
    try { doc = JSON.parse(read.text) } catch { throw this.corrupt(file, 'it is not JSON') }
    const d = doc as { version?: unknown, folders?: Record<string, { validity?: unknown, next?: unknown, uids?: Record<string, unknown> }> }
    if (d?.version !== VERSION || typeof d.folders !== 'object' || d.folders === null) throw this.corrupt(file, 'it is not a version 1 UID map')
    for (const [name, f] of Object.entries(d.folders)) {
      if (!isUid(f?.validity) || !isUid(f?.next) || typeof f.uids !== 'object' || f.uids === null) throw this.corrupt(file, `folder ${name} is malformed`)
      const uids = new Map<string, number>()
      for (const [id, uid] of Object.entries(f.uids)) {
        if (!isUid(uid) || uid >= f.next) throw this.corrupt(file, `folder ${name} has a bad UID`)
        uids.set(id, uid)
      }
      this.folders.set(name as MailFolder, { validity: f.validity, next: f.next, uids })
    }
  }

  private save (): void {
    if (this.file === undefined) return
    const folders: Record<string, unknown> = {}
    for (const [name, s] of this.folders) folders[name] = { validity: s.validity, next: s.next, uids: Object.fromEntries(s.uids) }
    writePrivateFile(this.file, JSON.stringify({ version: VERSION, folders }) + '\n')
  }

  private corrupt (file: string, why: string): MailBridgeError {
    return new MailBridgeError(MailBridgeErrorCode.UID_STATE_CORRUPT,
      `${file} is not the bridge's UID map (${why}): delete it and start again; mail clients will download the folders anew`)
  }
}

function isUid (v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 0xffffffff
}
