import { readdir } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

/**
 * `node dist/bench/run.js <suite> [args…]` imports ./<suite>.js and awaits its `run(args)`.
 * With no suite it lists the suites: the modules beside this one that export `run`.
 */

interface Suite {
  run: (args: string[]) => Promise<void>
  summary?: string
}

const here = dirname(fileURLToPath(import.meta.url))

async function importSuite (name: string): Promise<Suite | undefined> {
  const mod = await import(pathToFileURL(join(here, `${name}.js`)).href) as Partial<Suite>
  return typeof mod.run === 'function' ? mod as Suite : undefined
}

async function listSuites (): Promise<Array<{ name: string, summary: string }>> {
  const names = (await readdir(here)).filter(f => f.endsWith('.js') && f !== 'run.js').map(f => f.slice(0, -3)).sort()
  const suites: Array<{ name: string, summary: string }> = []
  for (const name of names) {
    const suite = await importSuite(name)
    if (suite !== undefined) suites.push({ name, summary: suite.summary ?? '' })
  }
  return suites
}

async function main (argv: string[]): Promise<number> {
  const [name, ...args] = argv
  if (name === undefined || name === '--help' || name === '-h') {
    const suites = await listSuites()
    process.stdout.write('Usage: npm run bench -- <suite> [args]\n\nSuites:\n' +
      suites.map(s => `  ${s.name.padEnd(12)}  ${s.summary}\n`).join(''))
    return 0
  }
  const known = await listSuites()
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name) || !known.some(s => s.name === name)) {
    process.stderr.write(`unknown suite '${name}'; known: ${known.map(s => s.name).join(', ')}\n`)
    return 2
  }
  const suite = await importSuite(name)
  await suite?.run(args)
  return 0
}

process.exitCode = await main(process.argv.slice(2))
