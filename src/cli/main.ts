#!/usr/bin/env -S node --openssl-legacy-provider --initial-old-space-size=128
import { setMaxListeners } from 'node:events'
import { runCli } from './run-cli.js'

// Node flags (here, and the same in package.json's start/tornet/bench scripts):
//   --openssl-legacy-provider    native Blowfish (OpenSSL bf-cbc) for chunks, about 6x the JS one
//   --initial-old-space-size=128 a node's live heap is small (about 20 MB) while every packet
//     and chunk passes through buffers outside it; from a small heap V8 sets a low old-space
//     limit and ran a full mark-compact every ~95 ms during a download (27 per 256 MiB, about a
//     third of all the CPU both processes used). With room to grow it runs a few: downloads went
//     from 100-104 to 115-129 MB/s and the downloader's peak RSS from 185 to 163-166 MiB
//     (`npm run bench -- transfer`, see bench/transfer.ts). The flag reserves nothing; it only
//     sets where collection starts.

// The first Ctrl-C asks the running command to stop cleanly (mining workers end, nothing is
// half-written); a second one exits at once.
const controller = new AbortController()
// Long commands hand this one signal to many concurrent requests (each listens for the abort).
setMaxListeners(0, controller.signal)
process.on('SIGTERM', () => controller.abort(new Error('terminated')))
process.on('SIGINT', () => {
  if (controller.signal.aborted) process.exit(130)
  controller.abort(new Error('interrupted'))
})

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: controller.signal
})
