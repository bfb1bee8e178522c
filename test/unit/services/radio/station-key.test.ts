import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createStationKey, listStationKeys, loadStationKey, stationKeyPath } from '../../../../src/node/services/radio/station-key.js'
import { isTornetError } from '../../../../src/node/errors.js'
import { signSegment, openSegment } from '../../../../src/node/services/radio/segment.js'

const dirs: string[] = []
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }) })
const tmp = (): string => { const d = mkdtempSync(join(tmpdir(), 'radio-key-')); dirs.push(d); return d }

function codeOf (f: () => unknown): string | undefined {
  try { f() } catch (e) { return isTornetError(e) ? e.code : String(e) }
  return undefined
}

describe('station keys', () => {
  it('creates, loads and lists; the key signs segments that verify', () => {
    const dir = tmp()
    const a = createStationKey(dir, 'welcome-radio')
    createStationKey(dir, 'b-side')
    const loaded = loadStationKey(dir, 'welcome-radio')
    expect(loaded.publicKey.equals(a.publicKey)).toBe(true)
    expect(listStationKeys(dir).map(s => s.label)).toEqual(['b-side', 'welcome-radio'])
    const seg = signSegment(loaded, { seq: 1, timestampMs: 1, codec: 'mp3', kind: 'title', durationMs: 0, payload: Buffer.from('x') })
    expect(typeof openSegment(seg.bytes)).toBe('object')
    expect(codeOf(() => createStationKey(dir, 'welcome-radio'))).toBe('RADIO_KEY_EXISTS')
    expect(codeOf(() => loadStationKey(dir, 'nope'))).toBe('RADIO_KEY_MISSING')
    expect(codeOf(() => createStationKey(dir, '../evil'))).toBe('RADIO_INVALID_ARGUMENT')
    expect(listStationKeys(join(dir, 'absent'))).toEqual([])
  })

  it('refuses a file others may read, naming the chmod that fixes it', () => {
    const dir = tmp()
    createStationKey(dir, 'open')
    const file = stationKeyPath(dir, 'open')
    chmodSync(file, 0o644)
    let err: unknown
    try { loadStationKey(dir, 'open') } catch (e) { err = e }
    expect(isTornetError(err, 'RADIO_KEY_INSECURE')).toBe(true)
    expect((err as Error).message).toContain(`chmod 600 ${file}`)
  })

  it('refuses a damaged file', () => {
    const dir = tmp()
    createStationKey(dir, 'dam')
    const file = stationKeyPath(dir, 'dam')
    writeFileSync(file, '{"version":1,"label":"dam","publicKey":"00","secretKey":"00"}', { mode: 0o600 })
    expect(codeOf(() => loadStationKey(dir, 'dam'))).toBe('RADIO_KEY_CORRUPT')
  })
})
