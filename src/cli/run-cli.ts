import { isTornetError, resolveDataDir } from '../node/index.js'
import type { CliContext, Command, OutputSink } from './command.js'
import type { ChainParams } from '../resolvers/namecoin/index.js'
import { COMMANDS } from './commands/index.js'
import { BOOTSTRAP_HELP, bootstrapPeers } from './bootstrap-option.js'
import { CliErrorCode, isParseArgsError, usageError } from './errors.js'

/**
 * The `tornet` dispatcher: pulls out the global options, finds the command whose words lead
 * the argument list (longest match, so "id new" wins over a future "id"), and maps failures to
 * exit codes: 0 ok, 1 a TornetError (message only, no stack), 2 a wrong command line,
 * 130 interrupted.
 */

export const EXIT_OK = 0
export const EXIT_FAILURE = 1
export const EXIT_USAGE = 2
export const EXIT_INTERRUPTED = 130

export interface CliIo {
  stdout: OutputSink
  stderr: OutputSink
  env?: NodeJS.ProcessEnv
  signal?: AbortSignal
  now?: () => number
  /** See CliContext.namecoinChain. */
  namecoinChain?: ChainParams
}

interface GlobalOptions { dataDir?: string, bootstrap: string[], help: boolean, rest: string[] }

const GLOBAL_HELP = `Global options:
  --data-dir DIR         where the node keeps its files (default: $TORNET_HOME, else ~/.tornet)
${BOOTSTRAP_HELP}                         (for the commands that join the network)
  -h, --help             show help; after a command, that command's help
`

/** The value of `--flag V` or `--flag=V` at argv[i], and how many words it took; undefined if argv[i] is not that flag. */
function valueFlag (argv: string[], i: number, flag: string, what: string): { value: string, used: number } | undefined {
  const a = argv[i]
  if (a === flag) {
    const v = argv[i + 1]
    if (v === undefined || v === '' || v.startsWith('-')) throw usageError(`${flag} needs ${what}`)
    return { value: v, used: 2 }
  }
  if (a.startsWith(`${flag}=`)) {
    const v = a.slice(flag.length + 1)
    if (v === '') throw usageError(`${flag} needs ${what}`)
    return { value: v, used: 1 }
  }
  return undefined
}

/** --data-dir, --bootstrap and --help may appear anywhere before a bare "--". */
function extractGlobals (argv: string[]): GlobalOptions {
  const out: GlobalOptions = { help: false, bootstrap: [], rest: [] }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--') { out.rest.push(...argv.slice(i)); break }
    if (a === '-h' || a === '--help') { out.help = true; continue }
    const dataDir = valueFlag(argv, i, '--data-dir', 'a directory')
    if (dataDir !== undefined) { out.dataDir = dataDir.value; i += dataDir.used - 1; continue }
    const peer = valueFlag(argv, i, '--bootstrap', 'a peer, HOST:PORT')
    if (peer !== undefined) { out.bootstrap.push(peer.value); i += peer.used - 1; continue }
    out.rest.push(a)
  }
  return out
}

/** The commands that take --bootstrap, for the error that refuses it elsewhere. */
function joiningCommands (commands: readonly Command[]): string {
  return commands.filter(c => c.joinsNetwork === true).map(c => c.name).join(', ')
}

function leadingWords (args: string[]): string[] {
  const words: string[] = []
  for (const a of args) {
    if (a.startsWith('-')) break
    words.push(a)
  }
  return words
}

function findCommand (commands: readonly Command[], words: string[]): Command | undefined {
  let best: Command | undefined
  let bestLen = 0
  for (const c of commands) {
    const name = c.name.split(' ')
    if (name.length > words.length || name.length <= bestLen) continue
    if (name.every((w, i) => w === words[i])) { best = c; bestLen = name.length }
  }
  return best
}

function commandList (commands: readonly Command[]): string {
  const width = Math.max(...commands.map(c => c.name.length))
  return commands.map(c => `  ${c.name.padEnd(width)}  ${c.summary}\n`).join('')
}

export function mainHelp (commands: readonly Command[] = COMMANDS): string {
  return `Usage: tornet [--data-dir DIR] <command> [options]

Tornet: a peer-to-peer network for sites, files, mail and radio.

Commands:
${commandList(commands)}
${GLOBAL_HELP}`
}

/** Run one `tornet` invocation; resolves with the process exit code. Never throws. */
export async function runCli (argv: string[], io: CliIo, commands: readonly Command[] = COMMANDS): Promise<number> {
  let command: Command | undefined
  try {
    const globals = extractGlobals(argv)
    const words = leadingWords(globals.rest)
    command = findCommand(commands, words)
    if (command === undefined) return noCommand(commands, words, globals.help, io)
    if (globals.help) {
      io.stdout.write(`${command.usage}\n${GLOBAL_HELP}`)
      return EXIT_OK
    }
    const env = io.env ?? process.env
    if (command.joinsNetwork !== true && globals.bootstrap.length > 0) {
      throw usageError(`'tornet ${command.name}' does not join the network, so --bootstrap means nothing to it. ` +
        `The commands that take it: ${joiningCommands(commands)}`)
    }
    const ctx: CliContext = {
      stdout: io.stdout,
      stderr: io.stderr,
      env,
      dataDir: resolveDataDir({ dataDir: globals.dataDir, env }),
      signal: io.signal ?? new AbortController().signal,
      now: io.now ?? Date.now,
      namecoinChain: io.namecoinChain,
      // $TORNET_BOOTSTRAP is read only by commands that join, so a stale one cannot break `tornet id show`.
      bootstrap: command.joinsNetwork === true ? bootstrapPeers(globals.bootstrap, env) : undefined
    }
    const code = await command.run(globals.rest.slice(command.name.split(' ').length), ctx)
    return code ?? EXIT_OK
  } catch (err) {
    const helpHint = command === undefined ? 'tornet --help' : `tornet ${command.name} --help`
    if (isParseArgsError(err) || isTornetError(err, CliErrorCode.USAGE)) {
      io.stderr.write(`error: ${err.message}\nRun '${helpHint}' for usage.\n`)
      return EXIT_USAGE
    }
    if (isTornetError(err)) {
      io.stderr.write(`error: ${err.message}\n`)
      return io.signal?.aborted === true ? EXIT_INTERRUPTED : EXIT_FAILURE
    }
    // Anything else is a bug in tornet, not a mistake of the user: keep the stack for the report.
    io.stderr.write(`internal error (please report it): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)
    return EXIT_FAILURE
  }
}

function noCommand (commands: readonly Command[], words: string[], help: boolean, io: CliIo): number {
  if (words.length === 0) {
    ;(help ? io.stdout : io.stderr).write(mainHelp(commands))
    return help ? EXIT_OK : EXIT_USAGE
  }
  // "tornet id" names a group of commands ("id new", "id show"): list them.
  const isGroup = (ws: string[]): boolean => commands.some(c => c.name.startsWith(`${ws.join(' ')} `))
  let depth = 0
  while (depth < words.length && isGroup(words.slice(0, depth + 1))) depth++
  if (depth === words.length) {
    const prefix = words.join(' ')
    const text = `Usage: tornet ${prefix} <command> [options]\n\nCommands:\n${commandList(commands.filter(c => c.name.startsWith(`${prefix} `)))}`
    if (help) { io.stdout.write(text); return EXIT_OK }
    io.stderr.write(`error: 'tornet ${prefix}' needs a command\n\n${text}`)
    return EXIT_USAGE
  }
  const unknown = words.slice(0, depth + 1).join(' ')
  const hint = depth > 0 ? `tornet ${words.slice(0, depth).join(' ')} --help` : 'tornet --help'
  io.stderr.write(`error: unknown command '${unknown}'\nRun '${hint}' for the list of commands.\n`)
  return EXIT_USAGE
}
