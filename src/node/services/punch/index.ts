export { createPunchService, type PunchService, type PunchServiceOptions } from './punch-service.js'
export { PunchError, PunchErrorCode } from './errors.js'
export { INTRODUCERS_KEPT, pickIntroducers, withIntroducers } from './introducer-choice.js'
