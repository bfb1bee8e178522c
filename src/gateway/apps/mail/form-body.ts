/**
 * Reads a webmail form: multipart/form-data (compose, with files) through the
 * dashboard's streaming FormReader, or application/x-www-form-urlencoded (the
 * small forms, and curl). Everything is held in memory, so everything is
 * bounded: the whole body, each text field, the number of parts. A message
 * must fit in memory anyway (MailApi takes Buffers).
 */
import type { IncomingMessage } from 'node:http'
import { DASHBOARD_ERRORS } from '../dashboard/errors.js'
import { FormReader } from '../dashboard/form-reader.js'
import { boundaryOf } from '../dashboard/multipart-headers.js'
import { errorCode } from '../../errors.js'
import { MAIL_WEB_ERRORS, mailWebError } from './errors.js'
import type { AttachmentInput } from './mail-port.js'

export interface FormLimits {
  /** The whole body (the compose form's attachments included). */
  maxBodyBytes: number
  maxFieldBytes: number
  maxParts: number
}

export interface FormBody {
  fields: Map<string, string>
  files: AttachmentInput[]
}

const URLENCODED = 'application/x-www-form-urlencoded'

/** `source` is the request's own iterator, so a caller that refuses can still drain what is left of it. */
export async function readFormBody (req: IncomingMessage, source: AsyncIterator<Uint8Array>, limits: FormLimits): Promise<FormBody> {
  const type = (req.headers['content-type'] ?? '').toLowerCase()
  if (type.split(';')[0]!.trim() === URLENCODED) return await readUrlencoded(source, limits)
  let boundary: string
  try {
    boundary = boundaryOf(req.headers['content-type'])
  } catch {
    throw mailWebError(MAIL_WEB_ERRORS.badForm, 'The form must be sent as multipart/form-data or application/x-www-form-urlencoded.')
  }
  const reader = new FormReader(source, boundary, { maxTotalBytes: limits.maxBodyBytes, maxParts: limits.maxParts })
  const out: FormBody = { fields: new Map(), files: [] }
  try {
    for await (const part of reader.parts()) {
      if (part.filename === undefined) {
        const text = await part.text(limits.maxFieldBytes)
        if (!out.fields.has(part.name)) out.fields.set(part.name, text)
        continue
      }
      const chunks: Buffer[] = []
      for await (const chunk of part.body()) chunks.push(Buffer.from(chunk))
      if (part.filename === '') continue // a file input with nothing chosen
      out.files.push({ filename: cleanFilename(part.filename), contentType: part.contentType ?? 'application/octet-stream', content: Buffer.concat(chunks) })
    }
  } catch (err) {
    throw translate(err, limits)
  }
  return out
}

async function readUrlencoded (source: AsyncIterator<Uint8Array>, limits: FormLimits): Promise<FormBody> {
  const max = Math.min(limits.maxBodyBytes, limits.maxFieldBytes * 8)
  const chunks: Buffer[] = []
  let length = 0
  while (true) {
    const next = await source.next()
    if (next.done === true) break
    length += next.value.byteLength
    if (length > max) throw mailWebError(MAIL_WEB_ERRORS.tooLarge, `This form is larger than ${max} bytes.`)
    chunks.push(Buffer.from(next.value))
  }
  const fields = new Map<string, string>()
  for (const [k, v] of new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) {
    if (v.length > limits.maxFieldBytes) throw mailWebError(MAIL_WEB_ERRORS.tooLarge, `The field “${k}” is too long.`)
    if (!fields.has(k)) fields.set(k, v)
  }
  return { fields, files: [] }
}

/** The dashboard's multipart codes, said the webmail's way. */
function translate (err: unknown, limits: FormLimits): unknown {
  switch (errorCode(err)) {
    case DASHBOARD_ERRORS.tooLarge:
      return mailWebError(MAIL_WEB_ERRORS.tooLarge, `The message with its attachments is larger than the limit of ${limits.maxBodyBytes} bytes.`)
    case DASHBOARD_ERRORS.fieldTooLarge:
    case DASHBOARD_ERRORS.tooManyParts:
    case DASHBOARD_ERRORS.headerTooLarge:
      return mailWebError(MAIL_WEB_ERRORS.tooLarge, err instanceof Error ? err.message : 'The form is too large.')
    case DASHBOARD_ERRORS.malformed:
    case DASHBOARD_ERRORS.truncated:
    case DASHBOARD_ERRORS.notMultipart:
      return mailWebError(MAIL_WEB_ERRORS.badForm, err instanceof Error ? err.message : 'The form could not be read.')
    default:
      return err
  }
}

/** A browser may send a path; only the last segment, without control characters, is the attachment's name. */
function cleanFilename (raw: string): string {
  const leaf = raw.split(/[\\/]/).pop() ?? ''
  const clean = leaf.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 200)
  return clean === '' ? 'attachment' : clean
}
