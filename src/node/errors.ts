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

/** The code values of a layer's code table (`{ NOT_FOUND: 'FS_NOT_FOUND', … }`). */
export type CodeOf<Table> = Table[keyof Table]

/** Makes a TornetError; the code type limits a layer's factory to the layer's own codes. */
export type ErrorFactory<Code extends string> = (code: Code, message: string, cause?: unknown) => TornetError

/** The factory every layer's `xxxError(code, message, cause?)` is: a cause is attached only when given. */
export function tornetError (code: string, message: string, cause?: unknown): TornetError {
  return new TornetError(code, message, cause === undefined ? undefined : { cause })
}

/** A layer's TornetError subclass: callers test `instanceof`, the code stays one of the layer's. */
export type LayerErrorClass<Code extends string> = new (code: Code, message: string, options?: { cause?: unknown }) => TornetError

/**
 * Defines a layer's error class once (`instanceof KvError`, `err.name === 'KvError'`), so that
 * each layer's errors.ts holds its codes and nothing else.
 */
export function layerErrorClass<Code extends string> (name: string): LayerErrorClass<Code> {
  const LayerError = class extends TornetError {
    constructor (code: Code, message: string, options?: { cause?: unknown }) {
      super(code, message, options)
      this.name = name
    }
  }
  Object.defineProperty(LayerError, 'name', { value: name })
  return LayerError
}
