/** The PAC file: pac/proxy.pac with {{PROXY}} filled in with this gateway's address. */
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { GATEWAY_ERRORS, gatewayError } from './errors.js'

export const PAC_CONTENT_TYPE = 'application/x-ns-proxy-autoconfig'

/**
 * Finds pac/proxy.pac by walking up from this module: src/gateway/ when run
 * from source, dist/src/gateway/ when compiled.
 */
export async function loadPacTemplate (): Promise<string> {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 5; i++) {
    try {
      return await readFile(join(dir, 'pac', 'proxy.pac'), 'utf8')
    } catch {
      dir = dirname(dir)
    }
  }
  throw gatewayError(GATEWAY_ERRORS.pacMissing, 'pac/proxy.pac was not found next to the Tornet installation.')
}

/** "127.0.0.1:9150" → the PAC with `PROXY 127.0.0.1:9150` in it. */
export function renderPac (template: string, proxyAuthority: string): string {
  return template.replaceAll('{{PROXY}}', `PROXY ${proxyAuthority}`)
}
