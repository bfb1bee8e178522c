/**
 * The dashboard page, server-rendered from a DashboardView: a pure function,
 * so tests can render it with hostile values and look at the HTML. The page
 * links no external assets; its style and script are inline (the script
 * under a per-response CSP nonce).
 */
import { escapeHtml } from '../../html.js'
import { CSRF_FIELD } from './csrf.js'
import { formatBytes, safeHref } from './format.js'
import { DASHBOARD_CSS, DASHBOARD_SCRIPT } from './page-assets.js'
import { card, nodePanel, peersPanel, publishedPanel, storagePanel, trafficPanel } from './panels.js'
import type { DashboardView } from './view.js'

const h = escapeHtml

/** The Content-Security-Policy that goes with a page rendered with `nonce`. */
export function dashboardCsp (nonce: string): string {
  return [
    "default-src 'none'", "style-src 'unsafe-inline'", `script-src 'nonce-${nonce}'`, "img-src 'self' data:",
    "form-action 'self'", "base-uri 'none'", "frame-ancestors 'none'"
  ].join('; ')
}

export function renderDashboardPage (view: DashboardView): string {
  const nav = [['node', 'Node'], ['peers', 'Peers'], ['storage', 'Storage'], ['traffic', 'Traffic'], ['published', 'Published'],
    ['publish', 'Publish'], ...view.sections.map(s => [s.id, s.title]), ['setup', 'Browser setup']]
    .map(([id, title]) => `<a href="#${h(id!)}">${h(title!)}</a>`).join('')
  const sections = view.sections.map(s => `<section class="card" id="${h(s.id)}"><h2>${h(s.title)}</h2>\n${s.html}\n</section>`).join('\n')
  const online = view.peers.ok && view.peers.value.length > 0
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="color-scheme" content="light dark"><title>Tornet dashboard</title><style>${DASHBOARD_CSS}</style></head>
<body>
<header class="top"><div class="inner"><a class="brand" href="/"><span class="dot${online ? '' : ' off'}" title="${online ? 'Connected' : 'No peers yet'}"></span>Tornet</a><nav>${nav}</nav></div></header>
<main>
${flash(view)}
<div class="grid">
${nodePanel(view)}
${storagePanel(view)}
${trafficPanel(view)}
</div>
${peersPanel(view)}
${publishedPanel(view)}
${publishForm(view)}
${sections}
${setup(view)}
</main>
<footer>Tornet gateway at <code>${h(view.gatewayAuthority)}</code> · <a href="/api/status">/api/status</a> (JSON)</footer>
<script nonce="${h(view.scriptNonce)}">${DASHBOARD_SCRIPT}</script>
</body></html>
`
}

/** After a publish: where the new content is. */
function flash (view: DashboardView): string {
  const reference = view.justPublished
  if (reference === undefined) return ''
  const item = view.published.ok ? view.published.value.find(p => p.reference === reference) : undefined
  const url = item?.url ?? `http://${reference}.tor-net/`
  const href = safeHref(url)
  const job = view.names.find(j => j.reference === reference)
  const lines = [`<p>Published${item !== undefined ? ` <strong>${h(item.title)}</strong>` : ''}. It is at:</p>`,
    `<p class="url">${href === undefined ? h(url) : `<a href="${h(href)}">${h(url)}</a>`} <button type="button" class="small" data-copy="${h(url)}">Copy</button></p>`]
  if (job !== undefined) {
    if (job.result.state === 'pending') lines.push(`<p class="muted">Registering <strong>${h(job.name)}.tor-net</strong>; this can take a few minutes. Reload to see how it went.</p>`)
    else if (job.result.state === 'done') lines.push(`<p>Name: <a href="${h(safeHref(job.result.url) ?? '#')}">${h(job.result.url)}</a></p>`)
    else lines.push(`<p>The name <strong>${h(job.name)}</strong> could not be registered: ${h(job.result.message)} (<code>${h(job.result.code)}</code>)</p>`)
  }
  lines.push('<p class="hint">The address is derived from the content itself: anyone with it can open the content, and nobody can change what it shows.</p>')
  return `<section class="card flash" role="status"><h2>Published</h2>\n${lines.join('\n')}\n</section>`
}

function publishForm (view: DashboardView): string {
  const name = view.canRegisterNames
    ? `<label class="field">Name <span class="hint">optional: also reachable as <code>&lt;name&gt;.tor-net</code></span>
<input type="text" name="name" maxlength="253" placeholder="my-site" autocomplete="off" spellcheck="false"></label>`
    : ''
  const body = `<form class="publish" method="post" action="/publish" enctype="multipart/form-data">
<input type="hidden" name="${CSRF_FIELD}" value="${h(view.csrfToken)}">
<div class="row">
<label class="field">Title <span class="hint">optional: shown in your list</span>
<input type="text" name="title" maxlength="200" placeholder="My site" autocomplete="off"></label>
${name}
</div>
<input type="hidden" name="folder-paths" value="">
<div class="row">
<label class="picker"><strong>A folder</strong><span class="hint">A website: its <code>index.html</code> becomes the front page.</span>
<input type="file" name="folder" multiple webkitdirectory></label>
<label class="picker"><strong>Or some files</strong><span class="hint">Each file keeps its name.</span>
<input type="file" name="files" multiple></label>
</div>
<div><button type="submit" class="primary">Publish</button>
<span class="hint">Up to ${h(formatBytes(view.maxUploadBytes))} at once. The files are encrypted into chunks, stored on this node and offered to the network.</span></div>
</form>`
  return card('publish', 'Publish', body)
}

function setup (view: DashboardView): string {
  const a = h(view.gatewayAuthority)
  const body = `<p>To open <code>.tor-net</code> and <code>.bit</code> sites, let your browser use this gateway. In Firefox: <em>Settings → General → Network Settings → Settings…</em>, then either</p>
<ol class="steps">
<li><strong>Automatic proxy configuration URL</strong> (recommended: only Tornet addresses go through the gateway):
<code>http://${a}/proxy.pac</code> <button type="button" class="small" data-copy="http://${a}/proxy.pac">Copy</button></li>
<li>or <strong>Manual proxy configuration</strong>: HTTP proxy <code>${h(hostOf(view.gatewayAuthority))}</code>, port <code>${h(portOf(view.gatewayAuthority))}</code>
(or SOCKS v5 on the same host and port, with <em>Proxy DNS when using SOCKS v5</em> turned on).</li>
</ol>
<p>Then <a href="http://tornet.tor-net/">http://tornet.tor-net/</a> opens this dashboard through the proxy.
Ordinary websites ${view.passThrough ? 'also pass through the gateway (pass-through is on)' : 'are refused by the gateway (pass-through is off), so prefer the PAC file'}.</p>`
  return card('setup', 'Browser setup', body)
}

function hostOf (authority: string): string {
  const colon = authority.lastIndexOf(':')
  const host = colon < 0 ? authority : authority.slice(0, colon)
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
}

function portOf (authority: string): string {
  const colon = authority.lastIndexOf(':')
  return colon < 0 ? '80' : authority.slice(colon + 1)
}
