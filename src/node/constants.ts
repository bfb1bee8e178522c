/**
 * Names every layer agrees on: the node forms and parses them, the resolvers
 * and the gateway route by them.
 */

/** The top-level suffix Tornet hosts end in. */
export const TORNET_SUFFIX = '.tor-net'

/** The host under which a gateway serves its own pages (the dashboard) through the proxy. */
export const DASHBOARD_HOST = 'tornet.tor-net'

/** The host under which a gateway serves its webmail through the proxy (never a name lookup). */
export const MAIL_HOST = 'mail.tor-net'

/** The host of the search app (issue 20) through the proxy (never a name lookup). */
export const SEARCH_HOST = 'search.tor-net'
