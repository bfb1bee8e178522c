/** The hidden-service app's public face: what the node wiring uses. */
export { createHiddenApp, installHidden, DEFAULT_HIDDEN_LIMITS } from './hidden-app.js'
export type { HiddenApp, HiddenAppOptions, HiddenLimits } from './hidden-app.js'
export type { HiddenPort } from '../../ports.js'
