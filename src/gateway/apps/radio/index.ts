/** The radio app's public face: what the node wiring uses. */
export { createRadioApp, installRadio, DEFAULT_RADIO_LIMITS } from './radio-app.js'
export type { RadioAppOptions, RadioLimits } from './radio-app.js'
export { stationsSection } from './stations-section.js'
export type { ResolveHost } from './station-ref.js'
export type { RadioService } from './radio-port.js'
