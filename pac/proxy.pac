// Tornet proxy auto-config. Served by the gateway at http://127.0.0.1:9150/proxy.pac
// (the placeholder in the return statement below becomes the gateway's own address).
//
// Only .tor-net and Namecoin .bit hosts go to the gateway; everything else goes
// DIRECT, so the gateway never sees (or slows down) ordinary browsing. The
// gateway is named as an HTTP proxy: the browser then sends it the host NAME
// in each request and never looks .tor-net/.bit names up in DNS itself.
// There is deliberately no "; DIRECT" fallback: if the gateway is down, a
// Tornet name must fail rather than leak to the DNS resolver.
function FindProxyForURL(url, host) {
  host = host.toLowerCase();
  if (host.charAt(host.length - 1) === '.') host = host.substring(0, host.length - 1);
  if (dnsDomainIs(host, '.tor-net') || dnsDomainIs(host, '.bit')) return '{{PROXY}}';
  return 'DIRECT';
}
