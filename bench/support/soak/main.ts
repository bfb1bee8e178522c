import { runSoak } from './soak.js'

/** `npm run soak -- --minutes N`: the soak of issue 21 (see soak.ts), outside `npm test` and the bench suites. */
try {
  await runSoak(process.argv.slice(2))
} catch (err) {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`)
  process.exitCode = 1
}
