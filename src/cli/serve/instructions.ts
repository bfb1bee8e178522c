/** What to tell the user once a gateway is up. */
/** `more`: further lines (the demo's radio) placed before the closing line. */
export function browserInstructions (gatewayUrl: string, sites: string[], more = ''): string {
  const { hostname: host, port } = new URL(gatewayUrl)
  return `
Tornet is running.

  Set your browser's proxy to ${host}:${port}:
    - automatic:  proxy auto-configuration URL  ${gatewayUrl}/proxy.pac
                  (only .tor-net and .bit go through Tornet; everything else stays direct)
    - or manual:  SOCKS v5 ${host} port ${port} with "proxy DNS when using SOCKS v5" switched on,
                  or HTTP proxy ${host} port ${port}
    With the PAC file or an HTTP proxy, set network.dns.native_https_query to false in Firefox's
    about:config, or Firefox asks your DNS server for the HTTPS records of the sites you open.
  or try it from a terminal:
    curl --proxy http://${host}:${port} ${sites[0]?.split(' ')[0] ?? ''}

  Then open:
    ${sites.join('\n    ')}
    ${gatewayUrl}/   your node's dashboard (also http://tornet.tor-net/ through the proxy)

${more}Press Ctrl-C to stop.
`
}

/** The demo station's lines: play it in VLC (or any player that opens a URL), post to it. */
export function radioInstructions (radioUrl: string): string {
  return `  Listen to the demo radio station:
    vlc ${radioUrl}
    ${radioUrl}.html   the station page: a player, now playing and live posts
    tornet radio post welcome-radio "hello"   a text post, shown live on the station page

`
}

/** The demo's hidden-service lines: the guestbook by name and by key. */
export function hiddenServiceInstructions (url: string, keyUrl: string): string {
  return `  Sign the guestbook, a hidden service on another demo node (reached through onion circuits):
    ${url}
    ${keyUrl}
      the same service by its key

`
}

/** The demo's mail lines: the webmail through the proxy, and the newcomer's address. */
export function mailInstructions (gatewayUrl: string, address: string): string {
  return `  Read your mail (a welcome message from another demo node is on its way):
    http://mail.tor-net/   your webmail through the proxy (also ${gatewayUrl}/mail/)
    your address: ${address}

`
}

/** The demo's newcomer line: one command that publishes a folder into the demo network from another terminal. */
export function publishInstructions (command: string): string {
  return `  Publish a folder of your own from another terminal (in this directory):
    ${command}
  It prints the folder's address: open it like the sites above.

`
}

export async function waitForStop (signal: AbortSignal): Promise<void> {
  if (signal.aborted) return
  await new Promise<void>(resolve => signal.addEventListener('abort', () => resolve(), { once: true }))
}
