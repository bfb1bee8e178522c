import type { Command } from '../command.js'
import { idNewCommand } from './id-new.js'
import { idShowCommand } from './id-show.js'
import { demoCommand } from './demo.js'
import { startCommand } from './start.js'

/**
 * Every `tornet` sub-command. A new command is one file in this directory and one line here;
 * the dispatcher (run-cli.ts) and the help text are driven by this table alone.
 */
export const COMMANDS: readonly Command[] = [
  idNewCommand,
  idShowCommand,
  startCommand,
  demoCommand
]
