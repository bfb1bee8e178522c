import { execFile } from 'node:child_process'

/**
 * Runs one setup command (ip, nft, sysctl…) to completion. A failure says which command it was and
 * what it printed, since a namespace test that fails half-way is otherwise hard to read.
 */
export async function runCommand (command: string, args: string[], opts: { input?: string, timeoutMs?: number } = {}): Promise<string> {
  return await new Promise((resolve, reject) => {
    const child = execFile(command, args, { timeout: opts.timeoutMs ?? 20_000, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err !== null) {
        reject(new Error(`\`${command} ${args.join(' ')}\` failed: ${stderr.trim() || err.message}`))
      } else {
        resolve(stdout)
      }
    })
    if (opts.input !== undefined) child.stdin?.end(opts.input)
  })
}
