/**
 * The mail service as the webmail sees it: the node's MailApi contract, taken
 * whole through src/node/index.ts (the gateway's one door into the node).
 */
export { MAIL_FOLDERS, MAIL_HOST } from '../../../node/index.js'
export type {
  AttachmentInput, AttachmentInfo, DeliveryState, MailApi, MailboxInfo, MailContact, MailFolder, MessagePage, MessageSummary,
  MessageView, OutgoingMail
} from '../../../node/index.js'
