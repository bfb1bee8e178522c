/**
 * The one error class of Tornet. Every layer names its failures with stable
 * string codes (see each layer's errors.ts); tests check `code`, never text.
 * Messages are written for the user: what failed and what to do next.
 */
export class TornetError extends Error {
  readonly code: string
  constructor (code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.code = code
    this.name = 'TornetError'
  }
}

export function isTornetError (err: unknown, code?: string): err is TornetError {
  return err instanceof TornetError && (code === undefined || err.code === code)
}
