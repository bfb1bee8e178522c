import { resolveError } from '../../errors.js'
import { RESOLVE_ERRORS } from '../../types.js'
import { NAME_EXPIRATION_BLOCKS, type NameRecord } from '../name-source.js'
import { findNameValue } from '../name-script.js'
import { RawTxError, decodeHex, parseRawTransaction } from '../raw-transaction.js'
import type { VerifiedHeaders } from './header-chain.js'
import { hashFromHex, hashHex } from './header-codec.js'
import { MAX_TX_BRANCH, merkleRootFromBranch } from './merkle.js'
import { NAMECOIN_PROOF_ERRORS } from './proof-errors.js'

/**
 * Proof, not belief: a name's value counts only when
 *   1. the transaction the server sent has the txid it claimed;
 *   2. its Merkle branch (blockchain.transaction.get_merkle: {merkle, block_height, pos})
 *      leads to the Merkle root of the header at block_height;
 *   3. that header is in the chain verified from the checkpoint (VerifiedHeaders);
 *   4. one of its outputs is a NAME_FIRSTUPDATE / NAME_UPDATE of exactly this name,
 *      with a value of at most 520 bytes (Namecoin's MAX_VALUE_LENGTH);
 *   5. the update is less than 36,000 blocks below the verified tip.
 * That no LATER update exists is what asking several servers settles (the caller's part).
 * Each failure throws a ResolveError whose code names the proof that failed.
 */

/** Namecoin consensus: name values are at most 520 bytes (MAX_VALUE_LENGTH). */
export const MAX_NAME_VALUE_BYTES = 520

/** blockchain.transaction.get_merkle's answer, as received (unchecked). */
export interface MerkleAnswer {
  merkle: unknown
  block_height: unknown
  pos: unknown
}

export interface NameAnswer {
  /** Full Namecoin name, e.g. "d/example". */
  name: string
  /** The txid the server's history named (hex as explorers show it). */
  txid: string
  /** blockchain.transaction.get's answer: raw transaction hex (or bytes). */
  txRaw: string | Buffer
  merkle: MerkleAnswer
  chain: VerifiedHeaders
}

export interface ProvenNameRecord extends NameRecord {
  expiresIn: number
  txid: string
  /** Hash of the block that holds the update (hex). */
  blockHash: string
}

function proofError (code: typeof NAMECOIN_PROOF_ERRORS[keyof typeof NAMECOIN_PROOF_ERRORS], message: string, cause?: unknown): Error {
  return resolveError(code, message, cause)
}

export function verifyNameAnswer (answer: NameAnswer): ProvenNameRecord {
  const { name, chain } = answer
  const about = `the Namecoin name ${name}`
  if (typeof answer.txid !== 'string' || !/^[0-9a-f]{64}$/.test(answer.txid)) throw proofError(NAMECOIN_PROOF_ERRORS.merkle, `The server named no valid transaction id for ${about}.`)

  // 1. The transaction is the one asked for.
  let tx
  try {
    tx = parseRawTransaction(typeof answer.txRaw === 'string' ? decodeHex(answer.txRaw, 'transaction') : answer.txRaw)
  } catch (err) {
    if (err instanceof RawTxError) throw proofError(NAMECOIN_PROOF_ERRORS.nameScript, `The transaction ${answer.txid} sent for ${about} is malformed: ${err.message}.`, err)
    throw err
  }
  if (tx.txid !== answer.txid) {
    throw proofError(NAMECOIN_PROOF_ERRORS.merkle, `The server sent transaction ${tx.txid} for ${about} when ${answer.txid} was asked for.`)
  }

  // 2. The Merkle answer is well-formed.
  const { merkle, block_height: height, pos } = answer.merkle ?? {}
  if (!Array.isArray(merkle) || merkle.length > MAX_TX_BRANCH || !merkle.every(h => typeof h === 'string' && /^[0-9a-f]{64}$/.test(h))) {
    throw proofError(NAMECOIN_PROOF_ERRORS.merkle, `The Merkle proof for ${about} is malformed (a list of at most ${MAX_TX_BRANCH} hashes is expected).`)
  }
  if (!Number.isSafeInteger(height) || (height as number) <= 0 || !Number.isSafeInteger(pos) || (pos as number) < 0 || (pos as number) >= 2 ** merkle.length) {
    throw proofError(NAMECOIN_PROOF_ERRORS.merkle, `The Merkle proof for ${about} has an invalid block height or position.`)
  }
  const blockHeight = height as number

  // 3. The block is in the verified chain.
  const header = chain.headerAt(blockHeight)
  if (header === undefined) {
    throw proofError(NAMECOIN_PROOF_ERRORS.checkpoint,
      `Block ${blockHeight}, which holds the last update of ${about}, is not in the header chain verified from the checkpoint (verified tip ${chain.tipHeight}).`)
  }

  // 2'. The branch leads to that header's Merkle root.
  const root = merkleRootFromBranch(hashFromHex(tx.txid), (merkle as string[]).map(hashFromHex), pos as number)
  if (!root.equals(header.merkleRoot)) {
    throw proofError(NAMECOIN_PROOF_ERRORS.merkle,
      `The Merkle proof for ${about} (transaction ${tx.txid}) does not lead to the Merkle root of block ${blockHeight} (${hashHex(header.hash)}): the server's answer is not in the verified chain.`)
  }

  // 4. The transaction really updates this name.
  const nameBytes = Buffer.from(name, 'utf8')
  const found = findNameValue(tx.outputs.map(o => o.script), nameBytes)
  if (found === undefined) throw proofError(NAMECOIN_PROOF_ERRORS.nameScript, `The proven transaction ${tx.txid} has no valid operation on ${about}.`)
  if (found.value.length > MAX_NAME_VALUE_BYTES) {
    throw proofError(NAMECOIN_PROOF_ERRORS.nameScript, `The value of ${about} is ${found.value.length} bytes; Namecoin allows at most ${MAX_NAME_VALUE_BYTES}.`)
  }
  let value: string
  try {
    value = new TextDecoder('utf-8', { fatal: true }).decode(found.value)
  } catch {
    throw resolveError(RESOLVE_ERRORS.invalidRecord, `The value of ${about} is not UTF-8 text.`)
  }

  // 5. Not expired against the verified tip.
  const expiresIn = blockHeight + NAME_EXPIRATION_BLOCKS - chain.tipHeight
  if (expiresIn <= 0) {
    throw resolveError(RESOLVE_ERRORS.expired,
      `The Namecoin name ${name} has expired: last updated at block ${blockHeight}, verified tip ${chain.tipHeight}; names expire ${NAME_EXPIRATION_BLOCKS.toLocaleString('en')} blocks after their last update.`)
  }
  return { value, height: blockHeight, expiresIn, txid: tx.txid, blockHash: hashHex(header.hash) }
}
