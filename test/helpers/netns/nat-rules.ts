/**
 * The nftables ruleset a router namespace runs, by kind of NAT (RFC 4787 terms):
 *
 *   endpoint-independent   `masquerade`: one mapping per inside address and port, whatever the
 *                          destination, keeping the inside port when it is free (Linux's NAT
 *                          does). Filtering is still address-and-port dependent (conntrack lets
 *                          in only replies), so it is a port-restricted cone, the common home
 *                          router, and what UDP hole punching works through.
 *   symmetric              `masquerade random`: a new random port for each destination, so what
 *                          one peer sees is useless to another (hole punching fails, a relay is
 *                          needed).
 *
 * Both drop unsolicited inbound traffic (to the router and through it) and do no hairpinning: a
 * LAN host sending to the router's public address reaches the router itself, where nothing
 * listens.
 * Only 198.18.0.0/15 exists on either side and the router has no default route, so nothing
 * can leave the namespaces.
 */
export type NatKind = 'endpoint-independent' | 'symmetric'

export const NAT_TABLE = 'tornet_nat'

export function natRuleset (kind: NatKind, wan: string, lan: string): string {
  const masquerade = kind === 'symmetric' ? 'masquerade random' : 'masquerade'
  return `table ip ${NAT_TABLE} {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "${wan}" ${masquerade}
  }
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    iifname "${lan}" oifname "${wan}" accept
  }
  chain input {
    type filter hook input priority filter; policy accept;
    iifname "${wan}" ct state established,related accept
    iifname "${wan}" drop
  }
}
`
}
