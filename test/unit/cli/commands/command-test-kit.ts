import { expect } from 'vitest'
import type { Command } from '../../../../src/cli/command.js'
import { CliErrorCode, isParseArgsError } from '../../../../src/cli/errors.js'
import { isTornetError } from '../../../../src/node/errors.js'
import { formatReference } from '../../../../src/node/index.js'
import { makeContext } from '../cli-test-kit.js'

/**
 * Argument checks of the content and network commands: each must fail as a usage error
 * (exit 2 in runCli) before it opens the store or touches the network, which is why these
 * run against a data directory that does not exist.
 */
export async function expectUsageError (command: Command, argv: string[]): Promise<void> {
  const ctx = makeContext('/nonexistent/tornet-test-dir')
  const err = await command.run(argv, ctx).then(() => undefined, (e: unknown) => e)
  expect(isParseArgsError(err) || isTornetError(err, CliErrorCode.USAGE), `${command.name} ${argv.join(' ')}: ${String(err)}`).toBe(true)
}

export async function expectCode (p: Promise<unknown>, code: string): Promise<void> {
  const err = await p.then(() => undefined, (e: unknown) => e)
  expect(isTornetError(err, code), `expected ${code}, got ${String(err)}`).toBe(true)
}

/** A syntactically valid reference (its chunks exist nowhere). */
export const SOME_REF = formatReference({ id: Buffer.alloc(32, 1), key: Buffer.alloc(32, 2) })
