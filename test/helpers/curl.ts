/** Real curl for end-to-end tests: status, body and headers of one run. No proxy settings from the environment may leak into curl. */
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const CURL_ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmpdir() }

export interface CurlResult {
  code: number // curl's exit code
  status: number // HTTP status of the last response (0 if none)
  body: Buffer
  headers: string
  stderr: string
}

let counter = 0

/** Runs `curl -sS <args>`, writing body and headers under `dir`. */
export async function curl (dir: string, args: string[], maxTimeS = 60): Promise<CurlResult> {
  const bodyFile = join(dir, `body-${++counter}`)
  const headerFile = join(dir, `headers-${counter}`)
  const { code, stdout, stderr } = await new Promise<{ code: number, stdout: string, stderr: string }>(resolve => {
    execFile('curl', ['-sS', '--max-time', String(maxTimeS), '-o', bodyFile, '-D', headerFile, '-w', '%{http_code}', ...args],
      { env: CURL_ENV, maxBuffer: 1 << 20 }, (err, out, errOut) => {
        resolve({ code: err === null ? 0 : Number((err as { code?: number }).code ?? -1), stdout: out, stderr: errOut })
      })
  })
  const body = await readFile(bodyFile).catch(() => Buffer.alloc(0))
  const headers = await readFile(headerFile, 'latin1').catch(() => '')
  return { code, status: Number(stdout.trim()), body, headers, stderr }
}
