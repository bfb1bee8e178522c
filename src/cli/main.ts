#!/usr/bin/env -S node --openssl-legacy-provider
import { setMaxListeners } from 'node:events'
import { runCli } from './run-cli.js'

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
