/**
 * Stable codes of the dashboard's failures. Tests check codes, never text;
 * error-reply.ts maps each to an HTTP status and a page.
 */
import { tornetError, type ErrorFactory } from '../../errors.js'

export const DASHBOARD_ERRORS = {
  forbiddenOrigin: 'DASHBOARD_FORBIDDEN_ORIGIN', // POST from a page that is not the dashboard
  badToken: 'DASHBOARD_BAD_TOKEN', // CSRF token missing or wrong (often: the node restarted)
  notMultipart: 'DASHBOARD_NOT_MULTIPART', // Content-Type is not multipart/form-data with a boundary
  malformed: 'DASHBOARD_MULTIPART_MALFORMED',
  truncated: 'DASHBOARD_MULTIPART_TRUNCATED', // body ended before the closing boundary
  tooLarge: 'DASHBOARD_BODY_TOO_LARGE',
  tooManyParts: 'DASHBOARD_TOO_MANY_PARTS',
  headerTooLarge: 'DASHBOARD_PART_HEADER_TOO_LARGE',
  fieldTooLarge: 'DASHBOARD_FIELD_TOO_LARGE',
  badPath: 'DASHBOARD_BAD_PATH', // a file name that cannot be a path in a site
  duplicatePath: 'DASHBOARD_DUPLICATE_PATH',
  noFiles: 'DASHBOARD_NO_FILES',
  badName: 'DASHBOARD_BAD_NAME',
  fieldsAfterFiles: 'DASHBOARD_FIELDS_AFTER_FILES', // title/name/token must precede the files
  busy: 'DASHBOARD_BUSY', // too many uploads at once
  publishFailed: 'DASHBOARD_PUBLISH_FAILED',
  invalidSection: 'DASHBOARD_INVALID_SECTION', // registerSection() with a bad id (a programming error)
  misuse: 'DASHBOARD_STREAM_MISUSE' // a part read out of order (a programming error)
} as const

export type DashboardErrorCode = typeof DASHBOARD_ERRORS[keyof typeof DASHBOARD_ERRORS]

export const dashboardError: ErrorFactory<DashboardErrorCode> = tornetError
