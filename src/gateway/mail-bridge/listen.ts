/**
 * Listening for the bridge: loopback only (the bridge's password and mail
 * travel in clear text on its ports), with the errors a user can act on.
 */
import type { Server } from 'node:net'
import { MailBridgeError, MailBridgeErrorCode } from './errors.js'

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost)$/

export function checkLoopback (host: string): void {
  if (!LOOPBACK.test(host)) {
    throw new MailBridgeError(MailBridgeErrorCode.PUBLIC_INTERFACE,
      `the mail bridge listens on loopback only (asked for ${host}): its password and mail are not encrypted on the wire; use 127.0.0.1`)
  }
}

/** Listens; resolves with the port (useful with port 0). */
export async function listenOn (server: Server, host: string, port: number, what: string): Promise<number> {
  checkLoopback(host)
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      server.off('listening', onListening)
      if (err.code === 'EADDRINUSE') {
        reject(new MailBridgeError(MailBridgeErrorCode.PORT_IN_USE,
          `${what} port ${host}:${port} is in use by another program: choose another with the option shown by "tornet start --help"`, { cause: err }))
      } else {
        reject(err)
      }
    }
    const onListening = (): void => { server.off('error', onError); resolve() }
    server.once('error', onError)
    server.once('listening', onListening)
    server.listen(port, host)
  })
  const address = server.address()
  return typeof address === 'object' && address !== null ? address.port : port
}
