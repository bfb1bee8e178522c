/** The dashboard's public face: what the node wiring and other apps use. */
export { installDashboard } from './dashboard.js'
export type { Dashboard, DashboardOptions } from './dashboard.js'
export type {
  DashboardPort, DashboardSection, DashboardPublishOptions, NodeStatus, PeerInfo, StorageInfo, TrafficInfo,
  PublishedItem, UploadedFile, PublishProgressEvent, Awaitable
} from './port.js'
export { DASHBOARD_ERRORS } from './errors.js'
export { DEFAULT_PUBLISH_LIMITS } from './publish-route.js'
export type { PublishLimits } from './publish-route.js'
export { spoolUploads } from './upload-spool.js'
export type { SpooledFile, SpoolOptions, UploadSpool } from './upload-spool.js'
