export { KvError, KvErrorCode, type KvErrorCodeValue } from './errors.js'
export {
  type KvRecord, type RecordPolicy, DEFAULT_RECORD_POLICY, MAX_KEY_BYTES, MAX_VALUE_BYTES,
  recordLocation, encodeRecord, decodeRecord, signRecord, checkRecord, compareRecords
} from './record.js'
export { KvStore, type KvPersistence, type KvLoadStats, type KvStoreOptions, type OfferResult } from './kv-store.js'
export { OwnedRecords, type OwnedRecordsOptions, DEFAULT_MAX_OWNED_RECORDS } from './owned-records.js'
export { databasePersistence, type DatabasePersistence, type BinaryTable } from '../records/database-persistence.js'
export { KV_SERVICE } from './messages.js'
export {
  createKvService, type KvService, type KvServiceOptions, type KvPutOptions, type KvPutResult, type KvRefusal
} from './kv-service.js'
