import { loadConfig } from '../node/index.js'

/** The gateway address that plays a station (by id or name), from the data directory's config. */
export function stationUrl (dataDir: string, station: string): string {
  const { host, port } = loadConfig({ dataDir }).gateway
  return `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${port}/radio/${station}`
}
