/**
 * Stable codes of the webmail's own failures. Tests check codes, never text;
 * error-reply.ts maps each (and the mail service's codes) to a status and a page.
 */
import { tornetError, type ErrorFactory } from '../../errors.js'

export const MAIL_WEB_ERRORS = {
  forbiddenOrigin: 'MAIL_WEB_FORBIDDEN_ORIGIN', // a POST not sent from the webmail's own pages
  badToken: 'MAIL_WEB_BAD_TOKEN', // CSRF token missing or wrong (often: the node restarted)
  tooLarge: 'MAIL_WEB_TOO_LARGE', // the message with its attachments is over the limit
  badForm: 'MAIL_WEB_BAD_FORM', // a form that is neither multipart nor urlencoded, or misses a field
  notFound: 'MAIL_WEB_NOT_FOUND', // no such message, attachment or page
  noRecipient: 'MAIL_WEB_NO_RECIPIENT', // compose with an empty To
  noMailbox: 'MAIL_WEB_NO_MAILBOX', // an action that needs the mailbox before it exists
  busy: 'MAIL_WEB_BUSY', // too many sends at once
  methodNotAllowed: 'MAIL_WEB_METHOD_NOT_ALLOWED'
} as const

export type MailWebErrorCode = typeof MAIL_WEB_ERRORS[keyof typeof MAIL_WEB_ERRORS]

export const mailWebError: ErrorFactory<MailWebErrorCode> = tornetError
