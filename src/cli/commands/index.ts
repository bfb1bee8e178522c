import type { Command } from '../command.js'
import { idNewCommand } from './id-new.js'
import { idShowCommand } from './id-show.js'
import { demoCommand } from './demo.js'
import { startCommand } from './start.js'
import { publishCommand } from './publish.js'
import { getCommand } from './get.js'
import { lsCommand } from './ls.js'
import { pinCommand } from './pin.js'
import { unpinCommand } from './unpin.js'
import { storeCommand } from './store.js'
import { peersCommand } from './peers.js'
import { ledgerCommand } from './ledger.js'
import { publishedCommand } from './published.js'
import { circuitsCommand } from './circuits.js'
import { lookupCommand } from './lookup.js'
import { resolveCommand } from './resolve.js'
import { kvPutCommand } from './kv-put.js'
import { kvGetCommand } from './kv-get.js'
import { nameRegisterCommand } from './name-register.js'
import { nameShowCommand } from './name-show.js'
import { radioCreateCommand } from './radio-create.js'
import { radioListCommand } from './radio-list.js'
import { radioBroadcastCommand } from './radio-broadcast.js'
import { radioPostCommand } from './radio-post.js'
import { mailNewCommand } from './mail-new.js'
import { mailSendCommand } from './mail-send.js'
import { mailListCommand } from './mail-list.js'
import { mailReadCommand } from './mail-read.js'
import { mailCheckCommand } from './mail-check.js'
import { mailBridgeCommand } from './mail-bridge.js'
import { hiddenAddCommand } from './hidden-add.js'
import { hiddenListCommand } from './hidden-list.js'
import { hiddenRemoveCommand } from './hidden-remove.js'
import { tagCommand } from './tag.js'
import { tagsCommand } from './tags.js'
import { searchTagsCommand } from './search-tags.js'
import { indexBuildCommand } from './index-build.js'
import { searchCommand } from './search.js'

/**
 * Every `tornet` sub-command. A new command is one file in this directory and one line here;
 * the dispatcher (run-cli.ts) and the help text are driven by this table alone.
 */
export const COMMANDS: readonly Command[] = [
  idNewCommand,
  idShowCommand,
  startCommand,
  demoCommand,
  publishCommand,
  getCommand,
  lsCommand,
  pinCommand,
  unpinCommand,
  storeCommand,
  peersCommand,
  ledgerCommand,
  publishedCommand,
  circuitsCommand,
  lookupCommand,
  resolveCommand,
  kvPutCommand,
  kvGetCommand,
  nameRegisterCommand,
  nameShowCommand,
  radioCreateCommand,
  radioListCommand,
  radioBroadcastCommand,
  radioPostCommand,
  mailNewCommand,
  mailSendCommand,
  mailListCommand,
  mailReadCommand,
  mailCheckCommand,
  mailBridgeCommand,
  hiddenAddCommand,
  hiddenListCommand,
  hiddenRemoveCommand,
  tagCommand,
  tagsCommand,
  searchTagsCommand,
  indexBuildCommand,
  searchCommand
]
