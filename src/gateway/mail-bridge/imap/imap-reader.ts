/**
 * The IMAP command reader: bytes from a client in, whole commands out.
 *
 * Bytes (RFC 3501 §2.2, §4.3): a command is a line ending in CRLF; a line
 * may end in a literal announcement `{N}` (the client waits for our `+`)
 * or `{N+}` (LITERAL+, sent at once), followed by N raw bytes and the rest
 * of the command. The reader is pure (no socket): it returns events, and
 * the session answers them. Every size is bounded — a line, a literal, a
 * whole command, the literals in one command — and anything over a bound or
 * malformed becomes a BAD for that command (or, when the stream cannot be
 * resynchronised, a fatal event and the connection ends); it never throws.
 */
import { tokenizeCommand, type ImapCommand } from './imap-tokens.js'

export interface ImapReaderLimits {
  /** Longest line (without CRLF). */
  maxLineBytes: number
  /** Largest single literal. */
  maxLiteralBytes: number
  /** Largest command: all its lines and literals together. */
  maxCommandBytes: number
  /** Most literals in one command. */
  maxLiterals: number
}

export const DEFAULT_IMAP_READER_LIMITS: ImapReaderLimits = {
  maxLineBytes: 8192,
  maxLiteralBytes: 64 * 1024,
  maxCommandBytes: 128 * 1024,
  maxLiterals: 16
}

export type ImapReaderEvent =
  | { kind: 'command', command: ImapCommand }
  /** A synchronising literal was announced and accepted: answer `+ ...` so the client sends it. */
  | { kind: 'continue' }
  /** A raw line asked for with `expectLine()` (AUTHENTICATE data, IDLE's DONE). */
  | { kind: 'line', text: string }
  /** This command is refused; the stream goes on with the next line. */
  | { kind: 'bad', tag: string | undefined, text: string }
  /** The stream cannot go on (a LITERAL+ too large to skip safely): say BYE and close. */
  | { kind: 'fatal', text: string }

const LF = 0x0a
const CR = 0x0d

export class ImapCommandReader {
  private readonly limits: ImapReaderLimits
  private buffered: Buffer[] = []
  private bufferedBytes = 0
  /** Parts of the command read so far: lines (without their literal announcement) and literals. */
  private lines: string[] = []
  private literals: Buffer[] = []
  private commandBytes = 0
  /** Bytes still to read into the current literal, or -1 when reading lines. */
  private literalLeft = -1
  private literalParts: Buffer[] = []
  /** Discarding up to the next LF after an over-long line. */
  private discarding = false
  private rawLineNext = false
  private dead = false

  constructor (limits: Partial<ImapReaderLimits> = {}) {
    this.limits = { ...DEFAULT_IMAP_READER_LIMITS, ...limits }
  }

  /** The next line is handed over raw (a SASL response, IDLE's DONE), not parsed as a command. */
  expectLine (): void { this.rawLineNext = true }

  push (chunk: Buffer): ImapReaderEvent[] {
    const events: ImapReaderEvent[] = []
    let data = chunk
    while (data.length > 0 && !this.dead) {
      if (this.literalLeft >= 0) {
        const take = Math.min(this.literalLeft, data.length)
        this.literalParts.push(data.subarray(0, take))
        this.literalLeft -= take
        data = data.subarray(take)
        if (this.literalLeft === 0) {
          this.literals.push(Buffer.concat(this.literalParts))
          this.literalParts = []
          this.literalLeft = -1
        }
        continue
      }
      const lf = data.indexOf(LF)
      if (lf < 0) {
        if (!this.discarding) {
          this.buffered.push(data)
          this.bufferedBytes += data.length
          if (this.bufferedBytes > this.limits.maxLineBytes + 1) {
            // Too long: drop what we have, and everything up to the next LF.
            this.discarding = true
            this.buffered = []
            this.bufferedBytes = 0
          }
        }
        break
      }
      const piece = data.subarray(0, lf)
      data = data.subarray(lf + 1)
      if (this.discarding) {
        this.discarding = false
        this.resetCommand()
        events.push({ kind: 'bad', tag: undefined, text: `line longer than ${this.limits.maxLineBytes} bytes` })
        continue
      }
      this.buffered.push(piece)
      let line = Buffer.concat(this.buffered)
      this.buffered = []
      this.bufferedBytes = 0
      if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, line.length - 1)
      const event = this.takeLine(line)
      if (event !== undefined) events.push(event)
    }
    return events
  }

  private takeLine (line: Buffer): ImapReaderEvent | undefined {
    if (line.length > this.limits.maxLineBytes) {
      this.resetCommand()
      return { kind: 'bad', tag: undefined, text: `line longer than ${this.limits.maxLineBytes} bytes` }
    }
    // Lines are 7-bit in IMAP4rev1 except inside literals; latin1 keeps every byte one char so
    // quoted strings can be turned back into their exact bytes.
    const text = line.toString('latin1')
    if (this.rawLineNext && this.lines.length === 0) {
      this.rawLineNext = false
      return { kind: 'line', text }
    }
    if (text.includes('\0')) {
      const tag = this.tagOf(text)
      this.resetCommand()
      return { kind: 'bad', tag, text: 'NUL in a command line' }
    }
    this.commandBytes += line.length + 2
    const literal = /\{(\d{1,10})(\+?)\}$/.exec(text)
    if (literal === null) {
      this.lines.push(text)
      const lines = this.lines
      const literals = this.literals
      const tooLarge = this.commandBytes > this.limits.maxCommandBytes
      this.resetCommand()
      if (tooLarge) return { kind: 'bad', tag: this.tagOf(lines[0]), text: `command larger than ${this.limits.maxCommandBytes} bytes` }
      const parsed = tokenizeCommand(lines, literals)
      if (!parsed.ok) return { kind: 'bad', tag: parsed.tag, text: parsed.error }
      return { kind: 'command', command: parsed.command }
    }
    const size = Number(literal[1])
    const nonSync = literal[2] === '+'
    const tag = this.tagOf(this.lines.length > 0 ? this.lines[0] : text)
    const over = size > this.limits.maxLiteralBytes ? `literal of ${size} bytes is over the ${this.limits.maxLiteralBytes}-byte limit`
      : this.commandBytes + size > this.limits.maxCommandBytes ? `command larger than ${this.limits.maxCommandBytes} bytes`
        : this.literals.length + 1 > this.limits.maxLiterals ? `more than ${this.limits.maxLiterals} literals in one command`
          : undefined
    if (over !== undefined) {
      this.resetCommand()
      // A synchronising literal is not sent until we say `+`, so refusing it keeps the stream in step;
      // a LITERAL+ one is already on its way, and skipping an unbounded amount is no safe option.
      if (nonSync) { this.dead = true; return { kind: 'fatal', text: over } }
      return { kind: 'bad', tag, text: over }
    }
    this.lines.push(text.slice(0, literal.index))
    this.commandBytes += size
    this.literalLeft = size
    if (size === 0) { this.literals.push(Buffer.alloc(0)); this.literalLeft = -1 }
    return nonSync ? undefined : { kind: 'continue' }
  }

  private tagOf (line: string): string | undefined {
    const m = /^([\x21-\x7e]+?) /.exec(line)
    if (m === null) return undefined
    // A tag is astring chars without '+'; anything else is no tag to answer to.
    return /^[^(){ %*"\\\]+]+$/.test(m[1]) ? m[1] : undefined
  }

  private resetCommand (): void {
    this.lines = []
    this.literals = []
    this.commandBytes = 0
  }
}
