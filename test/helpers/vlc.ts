/**
 * Real VLC as a radio listener: `cvlc` plays a URL for a few seconds into a
 * WAV file (the afile audio output) and we keep its verbose log. VLC refuses
 * to run as root, so as root it runs as `nobody` through runuser, in a
 * scratch directory that user can write.
 */
import { execFile } from 'node:child_process'
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface VlcRun {
  wav: Buffer
  /** VLC's stderr at -vv (ICY titles show up as "New Icy-Title=…"). */
  log: string
  exitCode: number
}

export interface VlcOptions {
  /** How long VLC plays (--run-time). */
  seconds?: number
  /** http_proxy for VLC (e.g. http://127.0.0.1:9150 to open .tor-net names). */
  httpProxy?: string
  /** Where to keep the WAV and log after the run (else they are removed). */
  keepIn?: string
}

export async function playWithVlc (url: string, opts: VlcOptions = {}): Promise<VlcRun> {
  const dir = await mkdtemp(join(tmpdir(), 'tornet-vlc-'))
  await chmod(dir, 0o777) // nobody writes the WAV and VLC's config here
  const wavPath = join(dir, 'out.wav')
  const env = [`HOME=${dir}`, `http_proxy=${opts.httpProxy ?? ''}`, 'no_proxy=']
  const vlc = ['cvlc', '-vv', '--no-video', '--play-and-exit', '--run-time', String(opts.seconds ?? 8),
    '--aout', 'afile', '--audiofile-file', wavPath, '--audiofile-wav', url]
  const asRoot = process.getuid?.() === 0
  const [command, args] = asRoot ? ['runuser', ['-u', 'nobody', '--', 'env', ...env, ...vlc]] : ['env', [...env, ...vlc]]
  try {
    const { code, stderr } = await new Promise<{ code: number, stderr: string }>(resolve => {
      execFile(command, args, { timeout: ((opts.seconds ?? 8) + 30) * 1000, maxBuffer: 64 << 20 }, (err, _out, errOut) => {
        resolve({ code: err === null ? 0 : Number((err as { code?: number }).code ?? -1), stderr: errOut })
      })
    })
    const wav = await readFile(wavPath).catch(() => Buffer.alloc(0))
    if (opts.keepIn !== undefined) {
      await mkdir(opts.keepIn, { recursive: true })
      await writeFile(join(opts.keepIn, 'vlc.wav'), wav)
      await writeFile(join(opts.keepIn, 'vlc.log'), stderr)
    }
    return { wav, log: stderr, exitCode: code }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** The ICY titles VLC reported in its log, in order. */
export function vlcTitles (log: string): string[] {
  return [...log.matchAll(/New Icy-Title=(.*)$/gm)].map(m => m[1]!.trim())
}
