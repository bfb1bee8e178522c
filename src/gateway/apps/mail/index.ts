/** The webmail's public face: what the node wiring uses. */
export { createMailApp, installMail, DEFAULT_MAIL_LIMITS } from './mail-app.js'
export type { MailApp, MailAppOptions, MailAppLimits } from './mail-app.js'
export { MAIL_PREFIX } from './mail-path.js'
export { MAIL_WEB_ERRORS } from './errors.js'
export { HTML_MAIL_CSP } from './html-mail.js'
export type { MailApi } from './mail-port.js'
export { mailSection } from './mail-section.js'
