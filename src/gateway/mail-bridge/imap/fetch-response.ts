/**
 * One message's FETCH response: `* SEQ FETCH (ITEM value ...)`, with bodies
 * as literals. Pure: the caller loads the message bytes when needsRaw().
 */
import { envelope, splitMessage } from './message-parts.js'
import { bodyStructure, sectionBytes } from './body-structure.js'
import { parseMimeTree, type MimeEntity } from './mime-tree.js'
import { internalDate, nstring, type ResponsePart } from './imap-encode.js'
import { responseName, type FetchItem } from './fetch-items.js'

export interface FetchSubject {
  seq: number
  uid: number
  flags: string
  date: number
  raw: Buffer | undefined
}

export function fetchResponse (items: FetchItem[], m: FetchSubject): ResponsePart[] {
  const parts: ResponsePart[] = [`* ${m.seq} FETCH (`]
  const raw = m.raw ?? Buffer.alloc(0)
  const split = m.raw === undefined ? undefined : splitMessage(raw)
  let tree: MimeEntity | undefined
  const root = (): MimeEntity => { tree ??= parseMimeTree(raw); return tree }
  let first = true
  for (const item of items) {
    if (!first) parts.push(' ')
    first = false
    switch (item.kind) {
      case 'flags': parts.push(`FLAGS ${m.flags}`); break
      case 'uid': parts.push(`UID ${m.uid}`); break
      case 'internaldate': parts.push(`INTERNALDATE ${internalDate(m.date)}`); break
      case 'size': parts.push(`RFC822.SIZE ${raw.length}`); break
      case 'envelope': parts.push('ENVELOPE ', ...envelope(split?.header ?? raw)); break
      case 'rfc822': parts.push('RFC822 ', ...nstring(raw)); break
      case 'rfc822.header': parts.push('RFC822.HEADER ', ...nstring(split?.header ?? raw)); break
      case 'rfc822.text': parts.push('RFC822.TEXT ', ...nstring(split?.text ?? raw)); break
      case 'structure': parts.push(item.extensible ? 'BODYSTRUCTURE ' : 'BODY ', ...bodyStructure(root(), item.extensible)); break
      case 'body': {
        let bytes = sectionBytes(raw, root, item.section)
        if (item.partial !== undefined) bytes = bytes.subarray(item.partial.start, item.partial.start + item.partial.length)
        // A body is always a literal: quoted strings cannot carry its line ends.
        parts.push(`${responseName(item)} {${bytes.length}}\r\n`, bytes)
        break
      }
    }
  }
  parts.push(')\r\n')
  return parts
}
