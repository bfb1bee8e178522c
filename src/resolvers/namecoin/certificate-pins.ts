import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * Trust on first use for ElectrumX TLS certificates. Most Namecoin ElectrumX
 * servers use self-signed certificates, so no CA can vouch for them; instead
 * the SHA-256 fingerprint a server shows the first time is remembered in
 * `<dataDir>/namecoin-electrumx-pins.json` ({ "host:port": "AB:CD:…" }) and a
 * different one later is refused: either the operator changed it or someone
 * is in the middle. Deleting the entry (or the file) accepts the new one.
 *
 * Without a data directory the pins live in memory for the process's life.
 */

export const PINS_FILE = 'namecoin-electrumx-pins.json'
const MAX_PINS = 1000

export type PinCheck = { kind: 'first' } | { kind: 'same' } | { kind: 'changed', pinned: string }

export class CertificatePins {
  private readonly pins = new Map<string, string>()
  readonly path: string | undefined

  constructor (dataDir?: string) {
    this.path = dataDir === undefined ? undefined : join(dataDir, PINS_FILE)
    if (this.path === undefined) return
    let text: string | undefined
    try { text = readFileSync(this.path, 'utf8') } catch {}
    if (text === undefined) return
    let raw: unknown
    try { raw = JSON.parse(text) } catch { return } // unreadable pins: start again rather than refuse every server
    if (typeof raw !== 'object' || raw === null) return
    for (const [k, v] of Object.entries(raw)) {
      if (typeof v === 'string' && /^[0-9A-F]{2}(:[0-9A-F]{2}){31}$/.test(v) && this.pins.size < MAX_PINS) this.pins.set(k, v)
    }
  }

  pinned (server: string): string | undefined { return this.pins.get(server) }

  /** Compares `fingerprint` with the pin for `server`, pinning it the first time. */
  check (server: string, fingerprint: string): PinCheck {
    const fp = fingerprint.toUpperCase()
    const old = this.pins.get(server)
    if (old === fp) return { kind: 'same' }
    if (old !== undefined) return { kind: 'changed', pinned: old }
    if (this.pins.size < MAX_PINS) {
      this.pins.set(server, fp)
      this.save()
    }
    return { kind: 'first' }
  }

  /** Forgets a server's pin (the next certificate it shows is accepted). */
  forget (server: string): boolean {
    const had = this.pins.delete(server)
    if (had) this.save()
    return had
  }

  private save (): void {
    if (this.path === undefined) return
    try {
      writeFileSync(this.path + '.tmp', JSON.stringify(Object.fromEntries(this.pins), null, 2) + '\n', { mode: 0o600 })
      renameSync(this.path + '.tmp', this.path)
    } catch {
      // A read-only data directory: the pin still holds for this process.
    }
  }
}
