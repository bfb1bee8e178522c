/** "host:port", with an IPv6 host in brackets ("[::1]:9150") so the port cannot be read as part of it. */
export function formatHostPort (host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}
