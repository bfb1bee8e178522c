export { NameError, NameErrorCode, type NameErrorCodeValue, nameErrorCodeOf } from './errors.js'
export { normalizeName, isValidName, nameHost, nameKey, displayName, RESERVED_NAMES, MAX_LABEL_CHARS } from './name.js'
export {
  type Registration, type NameTarget, type TargetKind, type RegistrationPolicy, DEFAULT_DIFFICULTY,
  DEFAULT_REGISTRATION_POLICY, TERM_MS, GRACE_MS, MAX_TERM_MS, encodeRegistration, decodeRegistration,
  registrationId, checkRegistration, isValidTarget, powBits
} from './registration.js'
export { mineRegistration, type MineRegistrationOptions } from './pow.js'
export { type VerifiedChain, MAX_CHAIN_LINKS, encodeChain, decodeChain, verifyChain, compareClaims } from './chain.js'
export { NameRegistry, type NameRegistryOptions, type NameOffer } from './name-registry.js'
export { type NamePersistence, type NameLoadStats } from './name-persistence.js'
export { OwnedNames, type OwnedNamesOptions, DEFAULT_MAX_OWNED_NAMES } from './owned-names.js'
export { NAMES_SERVICE } from './messages.js'
export {
  createNamesService, type NamesService, type NamesServiceOptions, type NameRecord,
  type NameRegisterOptions, type NameRegisterResult, type NameRefusal
} from './names-service.js'
export { parseTarget, describeTarget, formatTarget, type TargetText } from './target-text.js'
export { pickOwner } from './owner-vote.js'
