import { createHash } from 'node:crypto'
import { reversedHex } from './raw-transaction.js'

/**
 * Namecoin name operations live in a prefix of an output script, before the
 * ordinary address script:
 *
 *   OP_NAME_NEW         (0x51) <hash>                     OP_2DROP          <address script>
 *   OP_NAME_FIRSTUPDATE (0x52) <name> <rand> <value>      OP_2DROP OP_2DROP <address script>
 *   OP_NAME_UPDATE      (0x53) <name> <value>             OP_2DROP OP_DROP  <address script>
 *
 * Each argument is a data push: opcode 0x00 (empty), 0x01–0x4b (that many
 * bytes follow), 0x4c PUSHDATA1 (u8 length), 0x4d PUSHDATA2 (u16 LE),
 * 0x4e PUSHDATA4 (u32 LE). As Namecoin Core's CNameScript does, the
 * arguments run until the first OP_DROP (0x75), OP_2DROP (0x6d) or OP_NOP
 * (0x61); any other non-push opcode there means "not a name script"; the
 * argument count must match the operation.
 *
 * ElectrumX's Namecoin coin class (NameIndexMixin.build_name_index_script)
 * and Electrum-NMC (names.name_identifier_to_scripthash) index every name
 * operation under one synthetic script, whatever the value and address:
 *
 *   0x53 <push name> 0x00 (empty value) 0x6d OP_2DROP 0x75 OP_DROP 0x6a OP_RETURN
 *
 * and the Electrum protocol's script hash is SHA-256 of a script, shown
 * byte-reversed in hex.
 */

export const OP_NAME_NEW = 0x51
export const OP_NAME_FIRSTUPDATE = 0x52
export const OP_NAME_UPDATE = 0x53
const OP_PUSHDATA1 = 0x4c
const OP_PUSHDATA2 = 0x4d
const OP_PUSHDATA4 = 0x4e
const OP_NOP = 0x61
const OP_RETURN = 0x6a
const OP_2DROP = 0x6d
const OP_DROP = 0x75

export type NameOperation =
  | { op: 'name_new', hash: Buffer, addressScript: Buffer }
  | { op: 'name_firstupdate', name: Buffer, rand: Buffer, value: Buffer, addressScript: Buffer }
  | { op: 'name_update', name: Buffer, value: Buffer, addressScript: Buffer }

/** Opcodes to push `data`, the way ElectrumX's Script.push_data writes them (never OP_1..OP_16). */
export function pushData (data: Uint8Array): Buffer {
  const n = data.length
  let head: Buffer
  if (n < OP_PUSHDATA1) head = Buffer.from([n])
  else if (n <= 0xff) head = Buffer.from([OP_PUSHDATA1, n])
  else if (n <= 0xffff) { head = Buffer.alloc(3); head[0] = OP_PUSHDATA2; head.writeUInt16LE(n, 1) } else { head = Buffer.alloc(5); head[0] = OP_PUSHDATA4; head.writeUInt32LE(n, 1) }
  return Buffer.concat([head, data])
}

export function nameIndexScript (name: Uint8Array): Buffer {
  return Buffer.concat([
    Buffer.from([OP_NAME_UPDATE]),
    pushData(name),
    pushData(new Uint8Array(0)),
    Buffer.from([OP_2DROP, OP_DROP, OP_RETURN])
  ])
}

/** The Electrum-protocol script hash of `script`: SHA-256, byte-reversed hex. */
export function scriptHash (script: Uint8Array): string {
  return reversedHex(createHash('sha256').update(script).digest())
}

/** The script hash under which ElectrumX indexes every operation on `name` (e.g. "d/example"). */
export function nameIndexScriptHash (name: Uint8Array | string): string {
  return scriptHash(nameIndexScript(typeof name === 'string' ? Buffer.from(name, 'utf8') : name))
}

/** Reads one data push at `at`; undefined when the opcode there is not a push or runs past the end. */
function readPush (script: Buffer, at: number): { data: Buffer, next: number } | undefined {
  const op = script[at]
  let len: number
  let start: number
  if (op < OP_PUSHDATA1) { len = op; start = at + 1 } else if (op === OP_PUSHDATA1) {
    if (at + 2 > script.length) return undefined
    len = script[at + 1]; start = at + 2
  } else if (op === OP_PUSHDATA2) {
    if (at + 3 > script.length) return undefined
    len = script.readUInt16LE(at + 1); start = at + 3
  } else if (op === OP_PUSHDATA4) {
    if (at + 5 > script.length) return undefined
    len = script.readUInt32LE(at + 1); start = at + 5
  } else return undefined
  if (start + len > script.length) return undefined
  return { data: script.subarray(start, start + len), next: start + len }
}

/** The name operation in an output script, or undefined for ordinary and malformed scripts. */
export function parseNameScript (script: Buffer): NameOperation | undefined {
  if (script.length === 0) return undefined
  const op = script[0]
  if (op !== OP_NAME_NEW && op !== OP_NAME_FIRSTUPDATE && op !== OP_NAME_UPDATE) return undefined
  const args: Buffer[] = []
  let at = 1
  for (;;) {
    if (at >= script.length) return undefined
    const code = script[at]
    if (code === OP_DROP || code === OP_2DROP || code === OP_NOP) break
    const push = readPush(script, at)
    if (push === undefined) return undefined
    args.push(push.data)
    at = push.next
  }
  // Skip the drops that clean the arguments off the stack; what follows is the address.
  while (at < script.length && (script[at] === OP_DROP || script[at] === OP_2DROP || script[at] === OP_NOP)) at++
  const addressScript = script.subarray(at)
  if (op === OP_NAME_NEW && args.length === 1) return { op: 'name_new', hash: args[0], addressScript }
  if (op === OP_NAME_FIRSTUPDATE && args.length === 3) return { op: 'name_firstupdate', name: args[0], rand: args[1], value: args[2], addressScript }
  if (op === OP_NAME_UPDATE && args.length === 2) return { op: 'name_update', name: args[0], value: args[1], addressScript }
  return undefined
}

/** The value that an output of this transaction assigns to `name`, if one of them does. */
export function findNameValue (outputScripts: Iterable<Buffer>, name: Uint8Array): { value: Buffer, index: number } | undefined {
  let index = 0
  for (const script of outputScripts) {
    const nameOp = parseNameScript(script)
    if (nameOp !== undefined && nameOp.op !== 'name_new' && Buffer.compare(nameOp.name, name) === 0) {
      return { value: nameOp.value, index }
    }
    index++
  }
  return undefined
}
