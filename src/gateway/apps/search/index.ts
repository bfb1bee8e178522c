/** The search app's public face: what the node wiring uses. */
export { createSearchApp, installSearch, type SearchAppOptions } from './search-app.js'
export type { SearchPort } from './search-port.js'
