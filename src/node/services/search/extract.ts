import { parse } from 'parse5'
import { tokens } from './tokeniser.js'

/**
 * Titles, text and links out of published files, for the index builder:
 * HTML through parse5 (a full HTML5 parser: whatever a page contains, it
 * gives a tree and never throws on markup), Markdown and plain text by lines.
 * Other files are not documents.
 */
export type DocumentFormat = 'html' | 'markdown' | 'text'

export interface ExtractedDocument {
  title: string
  text: string
  /** href values as written (absolute or relative), in order, at most MAX_LINKS. */
  links: string[]
}

export const MAX_TITLE_CHARS = 120
export const MAX_TEXT_CHARS = 200_000
export const MAX_LINKS = 500

const SKIPPED_ELEMENTS = new Set(['script', 'style', 'noscript', 'template', 'head', 'svg', 'math'])
const BLOCK_ELEMENTS = new Set(['p', 'div', 'br', 'li', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'tr', 'td', 'th', 'section', 'article', 'pre', 'blockquote', 'dd', 'dt'])

export function formatOf (path: string): DocumentFormat | undefined {
  const lower = path.toLowerCase()
  const dot = lower.lastIndexOf('.')
  const ext = dot < 0 || dot < lower.lastIndexOf('/') ? '' : lower.slice(dot + 1)
  if (ext === 'html' || ext === 'htm' || ext === 'xhtml') return 'html'
  if (ext === 'md' || ext === 'markdown') return 'markdown'
  if (ext === 'txt' || ext === 'text') return 'text'
  return undefined
}

export function extract (bytes: Uint8Array, format: DocumentFormat, fallbackTitle: string): ExtractedDocument {
  const source = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')
  const doc = format === 'html' ? extractHtml(source) : format === 'markdown' ? extractMarkdown(source) : extractText(source)
  const title = clip(doc.title.trim().replace(/\s+/g, ' '), MAX_TITLE_CHARS)
  return { title: title.length > 0 ? title : clip(fallbackTitle, MAX_TITLE_CHARS), text: clip(doc.text.replace(/\s+/g, ' ').trim(), MAX_TEXT_CHARS), links: doc.links.slice(0, MAX_LINKS) }
}

/** A short summary: the first `chars` characters of text, cut at a word boundary. */
export function snippetOf (text: string, chars = 200): string {
  if (text.length <= chars) return text
  const cut = text.lastIndexOf(' ', chars)
  return text.slice(0, cut > chars / 2 ? cut : chars) + '…'
}

/** Like snippetOf, but starting near the first place a query term appears. */
export function snippetFor (text: string, terms: readonly string[], chars = 200): string {
  if (terms.length === 0) return snippetOf(text, chars)
  const lower = text.toLowerCase()
  let at = -1
  for (const t of terms) {
    const i = lower.indexOf(t)
    if (i >= 0 && (at < 0 || i < at)) at = i
  }
  if (at < chars / 2) return snippetOf(text, chars)
  const start = text.indexOf(' ', at - 40)
  return '…' + snippetOf(text.slice(start < 0 || start > at ? at : start + 1), chars)
}

function clip (s: string, n: number): string { return s.length <= n ? s : s.slice(0, n) }

interface Node { nodeName: string, tagName?: string, value?: string, attrs?: Array<{ name: string, value: string }>, childNodes?: Node[], content?: Node }

function extractHtml (source: string): { title: string, text: string, links: string[] } {
  const root = parse(source) as unknown as Node
  let title = ''
  let h1 = ''
  const text: string[] = []
  const links: string[] = []
  let textChars = 0
  // An explicit stack: a deeply nested page cannot overflow the call stack.
  const stack: Array<{ node: Node, inHead: boolean, inH1: boolean }> = [{ node: root, inHead: false, inH1: false }]
  while (stack.length > 0) {
    const { node, inHead, inH1 } = stack.pop()!
    const tag = node.tagName
    if (node.nodeName === '#text') {
      if (!inHead && textChars < MAX_TEXT_CHARS) { text.push(node.value ?? ''); textChars += node.value?.length ?? 0 }
      if (inH1 && h1.length < MAX_TITLE_CHARS) h1 += node.value ?? ''
      continue
    }
    if (tag === 'title') {
      if (title.length === 0) title = (node.childNodes ?? []).map(c => c.value ?? '').join('')
      continue
    }
    if (tag === 'a' && links.length < MAX_LINKS) {
      const href = node.attrs?.find(a => a.name === 'href')?.value
      if (href !== undefined && href.length > 0 && href.length < 2048) links.push(href)
    }
    if (tag !== undefined && BLOCK_ELEMENTS.has(tag)) text.push(' ')
    const skip = tag !== undefined && SKIPPED_ELEMENTS.has(tag) && tag !== 'head'
    if (skip) continue
    const children = node.childNodes ?? []
    const nextHead = inHead || tag === 'head'
    const nextH1 = inH1 || tag === 'h1'
    for (let i = children.length - 1; i >= 0; i--) stack.push({ node: children[i], inHead: nextHead, inH1: nextH1 })
  }
  return { title: title.trim().length > 0 ? title : h1, text: text.join(''), links }
}

const MD_LINK = /\[([^\]]*)\]\(([^)\s]+)[^)]*\)/g

function extractMarkdown (source: string): { title: string, text: string, links: string[] } {
  const links: string[] = []
  let title = ''
  const lines: string[] = []
  let fence = false
  for (const raw of source.split('\n')) {
    if (/^\s*(```|~~~)/.test(raw)) { fence = !fence; continue }
    let line = raw
    if (!fence) {
      const heading = /^\s{0,3}#{1,6}\s+(.*)$/.exec(line)
      if (heading !== null) {
        line = heading[1].replace(/#+\s*$/, '')
        if (title.length === 0) title = line
      }
      line = line.replace(MD_LINK, (_m, label: string, href: string) => { if (links.length < MAX_LINKS) links.push(href); return label })
      line = line.replace(/[*_`>|]+/g, ' ').replace(/^\s*[-+]\s+/, '')
    }
    lines.push(line)
  }
  if (title.length === 0) title = firstLine(lines)
  return { title, text: lines.join('\n'), links }
}

function extractText (source: string): { title: string, text: string, links: string[] } {
  const lines = source.split('\n')
  return { title: firstLine(lines), text: source, links: [] }
}

function firstLine (lines: string[]): string {
  for (const l of lines) {
    const t = l.trim()
    // A line with no word in it (a rule, a row of stars) is no title.
    if (t.length > 0 && !tokens(t).next().done) return t
  }
  return ''
}
