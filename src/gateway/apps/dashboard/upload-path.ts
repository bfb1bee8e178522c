/**
 * Turns the file name a browser sent into a path inside the published site.
 * A folder upload names files "<folder>/<sub>/<file>": the chosen folder's
 * own name is dropped, so its index.html lands at the site's root.
 */
import { DASHBOARD_ERRORS, dashboardError } from './errors.js'

export const MAX_PATH_BYTES = 1024
export const MAX_SEGMENT_BYTES = 255
export const MAX_PATH_SEGMENTS = 32

function badPath (why: string): Error {
  return dashboardError(DASHBOARD_ERRORS.badPath, why)
}

/**
 * '/'-separated, relative, NFC; empty and '.' segments are dropped, '..',
 * control characters and over-long names are refused (DASHBOARD_BAD_PATH).
 */
export function uploadPath (filename: string, stripTopFolder: boolean): string {
  const nfc = filename.normalize('NFC')
  if (/[\u0000-\u001f\u007f]/.test(nfc)) throw badPath(`The file name “${printable(nfc)}” contains control characters.`)
  let segments = nfc.split('/').filter(s => s.length > 0 && s !== '.')
  if (segments.includes('..')) throw badPath(`The file name “${printable(nfc)}” climbs out of its folder with “..”.`)
  if (stripTopFolder && segments.length > 1) segments = segments.slice(1)
  if (segments.length === 0) throw badPath('A file has an empty name.')
  if (segments.length > MAX_PATH_SEGMENTS) throw badPath(`The path of “${printable(nfc)}” is nested too deeply.`)
  for (const s of segments) {
    if (Buffer.byteLength(s) > MAX_SEGMENT_BYTES) throw badPath(`The name “${printable(s)}” is longer than ${MAX_SEGMENT_BYTES} bytes.`)
  }
  const path = segments.join('/')
  if (Buffer.byteLength(path) > MAX_PATH_BYTES) throw badPath(`The path “${printable(path)}” is longer than ${MAX_PATH_BYTES} bytes.`)
  return path
}

/**
 * Remembers the paths of one upload: refuses a path given twice, and one
 * that is a file in one place and a folder in another ("a" and "a/b").
 */
export class UploadPathSet {
  private readonly files = new Set<string>()
  private readonly folders = new Set<string>()

  add (path: string): void {
    if (this.files.has(path) || this.folders.has(path)) {
      throw dashboardError(DASHBOARD_ERRORS.duplicatePath, `The upload contains “${printable(path)}” twice.`)
    }
    const segments = path.split('/')
    for (let i = 1; i < segments.length; i++) {
      const folder = segments.slice(0, i).join('/')
      if (this.files.has(folder)) {
        throw dashboardError(DASHBOARD_ERRORS.duplicatePath, `“${printable(folder)}” is both a file and a folder in the upload.`)
      }
    }
    this.files.add(path)
    for (let i = 1; i < segments.length; i++) this.folders.add(segments.slice(0, i).join('/'))
  }

  get size (): number {
    return this.files.size
  }
}

/** For messages: short, and without control characters. */
function printable (s: string): string {
  const clean = s.replace(/[\u0000-\u001f\u007f]/g, '?')
  return clean.length > 120 ? `${clean.slice(0, 117)}…` : clean
}
