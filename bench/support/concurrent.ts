import { childInput } from './child.js'
import { concurrentGets, type ConcurrentJob } from './concurrent-get.js'

/**
 * Child process of the gateway benchmark: opens a ConcurrentJob's connections
 * all at once (concurrent-get.ts) in its own event loop, so that the clients'
 * work does not count as the gateway's. Prints one JSON ConcurrentResult.
 */
const result = await concurrentGets(childInput<ConcurrentJob>())
process.stdout.write(JSON.stringify(result) + '\n')
