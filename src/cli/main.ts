#!/usr/bin/env -S MALLOC_MMAP_THRESHOLD_=131072 node --openssl-legacy-provider --initial-old-space-size=64 --heap-growing-percent=50 --max-semi-space-size=4
import { setMaxListeners } from 'node:events'
import { runCli } from './run-cli.js'

// Node flags (here, and the same in package.json's start/tornet/bench scripts):
//   --openssl-legacy-provider    native Blowfish (OpenSSL bf-cbc) for chunks, about 6x the JS one
//   --initial-old-space-size=64 a node's live heap is small (about 20 MB) while every packet
//     and chunk passes through buffers outside it; from a small heap V8 sets a low old-space
//     limit and ran a full mark-compact every ~95 ms during a download (27 per 256 MiB, about a
//     third of all the CPU both processes used). With room to grow it runs a few: downloads went
//     from 100-104 to 115-129 MB/s (`npm run bench -- transfer`, see bench/transfer.ts). The
//     flag reserves nothing; it only sets where collection starts, and what lies below it is
//     garbage that holds memory: once plaintext buffers were recycled (crypto-pool.ts), no
//     external-memory pressure cut collections short, and a 4 GiB download peaked at 235 MiB
//     with 128 here, 195-202 with 64 and 179 with 32 (at 118, 110-112 and 105 MB/s).
//   --heap-growing-percent=50    after each full collection the old generation may grow by half
//     its live size before the next (V8 otherwise picks a factor of up to 4). The garbage it
//     holds pins malloc'd and V8 pages that are slow to come back: a 16 GiB download peaked at
//     210-247 MiB with --initial-old-space-size=64 alone (old generation up to 70 MiB), 201 with
//     this flag too (up to 47), at 104-112 MB/s either way.
//   --max-semi-space-size=4      caps the young generation at 2 x 4 MiB (V8 grows it to 2 x 16
//     MiB by default), which a node whose heap is ~20 MB does not need: the downloader's peak
//     RSS for a 2 GiB file went from 236-241 to 210-215 MiB at the same speed.
// And one setting of glibc's malloc, in the environment (the same in package.json's scripts):
//   MALLOC_MMAP_THRESHOLD_=131072 every allocation of 128 KiB or more gets its own mapping,
//     returned to the system when freed. By default glibc raises that threshold each time such
//     a block is freed, after which megabyte chunk buffers (and LMDB's dirty pages) come from
//     the malloc arenas, which keep what is freed: the downloader's arenas grew by 80 MiB over
//     a 2 GiB download. With it, the downloader's peak RSS went from 271-279 to 236-245 MiB
//     for 2-4 GiB downloads, and 165 to 149-151 MiB for 256 MiB. The price is a page fault per
//     4 KiB of each new megabyte buffer: downloads measured about 8 % slower (127-128 against
//     117-118 MB/s in alternated runs), Blowfish alone about 10 %.

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
