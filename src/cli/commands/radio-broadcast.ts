import { parseArgs } from 'node:util'
import { loadStationKey, type PacerClock } from '../../node/index.js'
import type { CliContext, Command } from '../command.js'
import { usageError } from '../errors.js'
import { withNode } from '../node-session.js'
import { ProgressLine } from '../progress-line.js'
import { describeBroadcast, feedBroadcast } from '../radio-feed.js'
import { openRadioInput } from '../radio-input.js'
import { watchPosts } from '../radio-post-spool.js'
import { stationUrl } from '../station-url.js'

export const radioBroadcastCommand: Command = {
  name: 'radio broadcast',
  summary: 'broadcast MP3, Ogg Vorbis/Opus or AAC (ADTS) at real time from a file, a folder or stdin',
  joinsNetwork: true,
  usage: `Usage: tornet radio broadcast <label> <file|folder|-> [--loop]

Streams audio as station <label> (see \`tornet radio create\`), paced at real time by the
codec's own frame timing. A folder plays its .mp3/.ogg/.opus/.aac files as a looping playlist,
now-playing titles from their tags or file names; - reads a live stream from stdin:
  ffmpeg -re -i IN -f mp3 - | tornet radio broadcast <label> -
Shows listeners, relays, kbit/s and now playing. Stop with Ctrl-C.

Options:
  --loop   play a single file again and again
`,
  async run (argv, ctx) {
    const { values, positionals } = parseArgs({ args: argv, options: { loop: { type: 'boolean' } }, strict: true, allowPositionals: true })
    if (positionals.length !== 2) throw usageError('give a station label and a file, a folder or - (stdin)')
    await broadcastFrom(ctx, positionals[0], positionals[1], { loop: values.loop === true })
  }
}

/** The command's work, with stdin and the clock injectable for tests. */
export async function broadcastFrom (
  ctx: CliContext, label: string, source: string,
  opts: { loop?: boolean, stdin?: NodeJS.ReadableStream, clock?: PacerClock } = {}
): Promise<void> {
  const key = loadStationKey(ctx.dataDir, label)
  // Read the input first: an unknown format fails before the node starts.
  const input = await openRadioInput(source, { stdin: opts.stdin, loop: opts.loop, onWarning: (m) => ctx.stderr.write(`warning: ${m}\n`) })
  await withNode(ctx, async (node) => {
    const b = node.radio.broadcast(key, { label, codec: input.codec, bitrateKbps: input.bitrateKbps })
    const stop = new AbortController()
    const onAbort = (): void => { stop.abort() }
    ctx.signal.addEventListener('abort', onAbort, { once: true })
    watchPosts(ctx.dataDir, label, (text) => { b.post(text) }, stop.signal)
    ctx.stderr.write(`broadcasting ${label} (${input.codec}, ~${input.bitrateKbps} kbit/s) from ${input.description}\n`)
    ctx.stdout.write(`${stationUrl(ctx.dataDir, key.publicKey.toString('hex'))}\n`)
    const line = new ProgressLine(ctx.stderr, ctx.now)
    try {
      const r = await feedBroadcast(b, input.items(stop.signal), { signal: stop.signal, clock: opts.clock, onProgress: (s, ms) => { line.update(describeBroadcast(s, ms)) } })
      line.end()
      ctx.stderr.write(`${ctx.signal.aborted ? 'stopped' : 'the input ended'} after ${(r.sentMs / 1000).toFixed(1)} s of audio in ${r.segments} segments\n`)
    } finally {
      line.end()
      stop.abort()
      ctx.signal.removeEventListener('abort', onAbort)
      await b.close()
    }
  })
}
