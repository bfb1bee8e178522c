/**
 * Answering an upload early. When the dashboard refuses a POST before its
 * body has been read (bad token, too large, malformed), replying at once and
 * closing would often make the browser show "connection reset" instead of
 * the page: the kernel resets a socket that still receives data. So the rest
 * of the body is read and thrown away first, within a byte and time budget;
 * past it the reply goes out anyway, and the connection lingers a little
 * (lingerOnClose) so that the client can read it before the close.
 */
import type { ServerResponse } from 'node:http'

export interface DrainBudget {
  maxBytes: number
  maxMs: number
}

export const DEFAULT_DRAIN_BUDGET: DrainBudget = { maxBytes: 16 * 1024 * 1024, maxMs: 10_000 }

/**
 * Reads `source` to its end; true if it ended within the budget. False on a
 * source error, or once the budget is spent (the pending read is left behind:
 * the caller closes the connection).
 */
export async function drain (source: AsyncIterator<Uint8Array>, budget: DrainBudget = DEFAULT_DRAIN_BUDGET): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<'expired'>(resolve => { timer = setTimeout(() => resolve('expired'), budget.maxMs) })
  let seen = 0
  try {
    while (true) {
      const next = source.next()
      next.catch(() => {}) // a read left behind on expiry may still fail
      const result = await Promise.race([next, expired])
      if (result === 'expired') return false
      if (result.done === true) return true
      seen += result.value.byteLength
      if (seen > budget.maxBytes) return false
    }
  } catch {
    return false
  } finally {
    clearTimeout(timer)
  }
}

/** After an answer to a request whose body was not read to its end: how much more is read and thrown away, and for how long. */
export const DEFAULT_LINGER_BUDGET: DrainBudget = { maxBytes: 64 * 1024 * 1024, maxMs: 2_000 }

/**
 * Call just before answering (with Connection: close) a request whose body is still arriving.
 * Node closes such a connection the moment the answer is written, with the client's bytes
 * still unread; the kernel then resets it, and the reset often reaches the client before it
 * has read the answer: a browser uploading 10 GiB saw "connection reset", not the 413 page.
 * So, as nginx's lingering close does: the answer goes out, our side is half-closed, what the
 * client still sends is read and thrown away within `budget` (or until it closes), and only
 * then is the connection destroyed.
 */
export function lingerOnClose (res: ServerResponse, source: AsyncIterator<Uint8Array>, budget: DrainBudget = DEFAULT_LINGER_BUDGET): void {
  const socket = res.socket
  if (socket === null) return
  // node:http calls destroySoon() once the last response has been written.
  socket.destroySoon = () => {
    socket.end()
    void drain(source, budget).finally(() => socket.destroy())
  }
}
