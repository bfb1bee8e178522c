/**
 * The real clients end-to-end tests drive (curl, Firefox, VLC, ffmpeg, python3's smtplib/imaplib), and
 * the one rule for when one is missing: outside CI the suite is skipped,
 * with the reason in its name; in CI (CI=true) it fails, so that a CI run
 * without a browser or player can never pass as if it had tested them.
 */
import { spawnSync } from 'node:child_process'
import { describe, it } from 'vitest'
import { firefoxMissing } from './firefox.js'

export type E2eClient = 'curl' | 'firefox' | 'vlc' | 'ffmpeg' | 'python3'

const INSTALL: Record<E2eClient, string> = {
  curl: 'apt-get install curl',
  firefox: 'apt-get install firefox-esr',
  vlc: 'apt-get install vlc-bin vlc-plugin-base',
  ffmpeg: 'apt-get install ffmpeg',
  python3: 'apt-get install python3'
}

function runs (command: string, args: string[]): boolean {
  return spawnSync(command, args, { stdio: 'ignore', timeout: 20_000 }).status === 0
}

const cache = new Map<E2eClient, string | undefined>()

/** Why `client` cannot run here, or undefined when it can. */
export function clientMissing (client: E2eClient): string | undefined {
  if (cache.has(client)) return cache.get(client)
  let why: string | undefined
  if (client === 'firefox') why = firefoxMissing
  else if (client === 'curl') why = runs('curl', ['--version']) ? undefined : `curl is not installed (${INSTALL.curl})`
  else if (client === 'ffmpeg') why = runs('ffmpeg', ['-version']) ? undefined : `ffmpeg is not installed (${INSTALL.ffmpeg})`
  else if (client === 'python3') why = runs('python3', ['--version']) ? undefined : `python3 is not installed (${INSTALL.python3})`
  else why = vlcMissing()
  cache.set(client, why)
  return why
}

function vlcMissing (): string | undefined {
  // VLC refuses to run as root; as root the tests run it as `nobody` through runuser.
  const asRoot = process.getuid?.() === 0
  if (asRoot && !runs('runuser', ['-u', 'nobody', '--', 'true'])) return 'running as root, and `runuser -u nobody` does not work (VLC refuses root)'
  const probe = asRoot ? runs('runuser', ['-u', 'nobody', '--', 'cvlc', '--version']) : runs('cvlc', ['--version'])
  return probe ? undefined : `cvlc is not installed (${INSTALL.vlc})`
}

export function inCi (): boolean {
  const ci = process.env.CI?.trim().toLowerCase()
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0'
}

/**
 * A describe() block that needs `clients`: run when they are all there;
 * otherwise skipped with the reason, or, in CI, one failing test saying
 * what to install.
 */
export function describeWithClients (title: string, clients: E2eClient[], body: () => void): void {
  const missing = clients.map(clientMissing).filter((why): why is string => why !== undefined)
  if (missing.length === 0) {
    describe(title, body)
  } else if (inCi()) {
    describe(title, () => {
      it('has the real clients it tests with', () => {
        throw new Error(`CI must install every end-to-end client (see .ci/run): ${missing.join('; ')}`)
      })
    })
  } else {
    describe.skip(`${title} — SKIPPED: ${missing.join('; ')}`, body)
  }
}
