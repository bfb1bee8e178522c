/**
 * The compose form (multipart/form-data: text fields first, then files) and
 * the create-your-mailbox and contacts pages. Pure.
 */
import { escapeHtml } from '../../html.js'
import { formatBytes } from '../dashboard/format.js'
import { hiddenToken } from './layout.js'
import type { MailLinks } from './mail-path.js'
import type { MailContact } from './mail-port.js'
import type { ComposeDraft } from './reply-draft.js'

const h = escapeHtml

export interface ComposeView {
  draft: ComposeDraft
  links: MailLinks
  csrf: string
  maxBytes: number
  /** Attachments that a forward carries along. */
  forwarded: string[]
  /** Why the last attempt failed, shown above the form with what was typed kept. */
  problem?: { title: string, message: string, code: string }
}

export function renderCompose (view: ComposeView): string {
  const d = view.draft
  const problem = view.problem === undefined
    ? ''
    : `<p class="notice bad" role="alert"><strong>${h(view.problem.title)}.</strong> ${h(view.problem.message)} <code>${h(view.problem.code)}</code></p>`
  const forwarded = view.forwarded.length === 0
    ? ''
    : `<p class="hint">Forwarded with ${view.forwarded.length} attachment${view.forwarded.length === 1 ? '' : 's'}: ${view.forwarded.map(f => h(f)).join(', ')}</p>`
  const complete = h(view.links.page('complete'))
  return `<section class="card"><h1>${d.forward !== '' ? 'Forward' : d.draft !== '' ? 'Draft' : d.inReplyTo !== '' ? 'Reply' : 'New message'}</h1>
${problem}
<form method="post" action="${h(view.links.page('send'))}" enctype="multipart/form-data" class="compose">
${hiddenToken(view.csrf)}
<input type="hidden" name="in-reply-to" value="${h(d.inReplyTo)}">
<input type="hidden" name="references" value="${h(d.references)}">
<input type="hidden" name="forward" value="${h(d.forward)}">
<input type="hidden" name="draft" value="${h(d.draft)}">
<label class="field"><span>To</span><input type="text" name="to" value="${h(d.to)}" list="to-list" data-complete="${complete}" autocomplete="off" spellcheck="false" placeholder="name@tor-net, another@bit"></label>
<datalist id="to-list"></datalist>
<label class="field"><span>Cc</span><input type="text" name="cc" value="${h(d.cc)}" list="cc-list" data-complete="${complete}" autocomplete="off" spellcheck="false"></label>
<datalist id="cc-list"></datalist>
<label class="field"><span>Subject</span><input type="text" name="subject" value="${h(d.subject)}" maxlength="998"></label>
<label class="field"><span>Message</span><textarea name="body">${h(d.body)}</textarea></label>
${forwarded}
<label class="field"><span>Attachments (up to ${h(formatBytes(view.maxBytes))} in all)</span><input type="file" name="attachments" multiple></label>
<p><button type="submit" class="primary" name="action" value="send">Send</button> <button type="submit" name="action" value="draft">Save draft</button> <span class="hint">Sealed for the recipient alone; a few seconds of proof of work go with it.</span></p>
</form></section>`
}

export function renderCreateMailbox (links: MailLinks, csrf: string): string {
  return `<section class="card"><h1>Create your mailbox</h1>
<p>This node has no mailbox yet. Creating one makes a key pair kept on this computer only; mail to you is sealed to that key,
and the network stores it for you while you are offline.</p>
<form method="post" action="${h(links.page('new'))}" enctype="application/x-www-form-urlencoded">
${hiddenToken(csrf)}
<label class="field"><span>A name (optional): you get <code>name@tor-net</code>; without one, your address is your key</span>
<input type="text" name="name" maxlength="63" pattern="[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?" placeholder="alice" autocomplete="off" spellcheck="false"></label>
<p><button type="submit" class="primary">Create my mailbox</button></p>
</form></section>`
}

export function renderContacts (contacts: MailContact[], links: MailLinks, csrf: string): string {
  const rows = contacts.map(c => `<tr><td>${h(c.name)}</td><td><a href="${h(links.compose({ to: c.address }))}">${h(c.address)}</a></td>` +
    `<td><form method="post" action="${h(links.page('contacts/remove'))}" enctype="application/x-www-form-urlencoded">${hiddenToken(csrf)}` +
    `<input type="hidden" name="address" value="${h(c.address)}"><button type="submit">Remove</button></form></td></tr>`).join('\n')
  const table = contacts.length === 0 ? '<p class="muted">No contacts yet.</p>' : `<table class="list"><tbody>\n${rows}\n</tbody></table>`
  return `<section class="card"><h1>Contacts</h1>
${table}
<h2>Add a contact</h2>
<form method="post" action="${h(links.page('contacts/add'))}" enctype="application/x-www-form-urlencoded">
${hiddenToken(csrf)}
<label class="field"><span>Name</span><input type="text" name="name" maxlength="200"></label>
<label class="field"><span>Address</span><input type="text" name="address" maxlength="300" required placeholder="name@tor-net"></label>
<p><button type="submit">Add</button></p>
</form></section>`
}

