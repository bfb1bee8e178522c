/**
 * What an SMTP client is told when MailApi.sendRaw fails: the reply code
 * says whether to retry (4xx) or give up (5xx), the text says why, with the
 * mail layer's stable code in brackets. Mapped by the code's meaning, so
 * codes the mail layer adds later fall into the right class.
 */

export interface SmtpReply {
  code: number
  message: string
}

/** First match wins. */
const RULES: Array<{ test: RegExp, code: number, status: string }> = [
  // This node has no mailbox (the mail service runs without one): nothing to send as.
  { test: /^MAIL_NOT_RUNNING$/, code: 554, status: '5.7.0' },
  // The recipient: not an address, no such name, or no mailbox record on the network.
  // (MAIL_MAILBOX_UNKNOWN is one host's answer, not the network's: it stays transient.)
  { test: /BAD_ADDRESS|^MAIL_NO_MAILBOX$|UNKNOWN_RECIPIENT|NAME_NOT_FOUND/, code: 550, status: '5.1.1' },
  { test: /OVERSIZED|TOO_LARGE/, code: 552, status: '5.3.4' },
  { test: /BAD_MESSAGE|BAD_ARGUMENT|MALFORMED/, code: 554, status: '5.6.0' }
]

export function smtpReplyFor (err: unknown): SmtpReply {
  const code = (err as { code?: unknown })?.code
  const text = (err instanceof Error ? err.message : String(err)).replace(/[\r\n]+/g, ' ').slice(0, 400)
  const codeText = typeof code === 'string' ? code : ''
  for (const rule of RULES) {
    if (rule.test.test(codeText)) return { code: rule.code, message: `${rule.status} ${text}${codeText !== '' ? ` [${codeText}]` : ''}` }
  }
  // Anything else (no hosts answered, network trouble): transient, the client keeps the message and retries.
  return { code: 451, message: `4.4.0 ${text}${codeText !== '' ? ` [${codeText}]` : ''}` }
}
