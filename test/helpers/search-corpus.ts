import { existsSync, readFileSync } from 'node:fs'

/**
 * Pages for the search tests and benchmark: real text first (this project's
 * README, one page per few paragraphs, titled by its section), then text
 * generated from a fixed list of common English words by a seeded generator
 * (deterministic, public domain by construction), as many pages as asked.
 * Every page is a small HTML document.
 */
export interface CorpusPage { title: string, text: string }

// From test/helpers (vitest) or dist/test/helpers (the compiled benchmarks).
const README = [new URL('../../README.md', import.meta.url), new URL('../../../README.md', import.meta.url)].find(u => existsSync(u)) ?? new URL('../../README.md', import.meta.url)

const COMMON = ('time year people way day man thing woman life child world school state family student group country problem hand part place case week company system program question work government number night point home water room mother area money story fact month lot right study book eye job word business issue side kind head house service friend father power hour game line end member law car city community name president team minute idea kid body information back parent face others level office door health person art war history party result change morning reason research girl guy moment air teacher force education river garden mountain ocean forest bridge market harbor lantern meadow orchard valley winter summer autumn spring letter journey voyage island castle village kingdom merchant sailor farmer baker weaver miller').split(' ')
const VERBS = 'walked found carried built opened watched followed remembered crossed painted wrote gathered kept raised mended sold bought visited answered'.split(' ')
const ADJ = 'old quiet bright narrow distant green golden heavy gentle crooked silver patient hidden early late small great'.split(' ')

export function readmePages (): CorpusPage[] {
  const text = readFileSync(README, 'utf8')
  const pages: CorpusPage[] = []
  let section = 'Tornet'
  let paragraphs: string[] = []
  let part = 1
  const flush = (): void => {
    if (paragraphs.length === 0) return
    pages.push({ title: `${section} (part ${part++})`, text: paragraphs.join('\n\n') })
    paragraphs = []
  }
  for (const block of text.split(/\n\s*\n/)) {
    const heading = /^#{1,4}\s+(.*)$/.exec(block.trim())
    if (heading !== null && !block.trim().includes('\n')) {
      flush()
      section = heading[1].replace(/`/g, '')
      part = 1
      continue
    }
    paragraphs.push(block.trim())
    if (paragraphs.length >= 3) flush()
  }
  flush()
  return pages
}

export function generatedPage (n: number): CorpusPage {
  let seed = (n + 1) * 2654435761 >>> 0
  const rnd = (k: number): number => { seed = (seed * 1664525 + 1013904223) >>> 0; return seed % k }
  const pick = <T>(list: T[]): T => list[rnd(list.length)]
  const sentences: string[] = []
  const count = 20 + rnd(30)
  for (let i = 0; i < count; i++) {
    sentences.push(`The ${pick(ADJ)} ${pick(COMMON)} ${pick(VERBS)} the ${pick(COMMON)} near the ${pick(ADJ)} ${pick(COMMON)}.`)
  }
  return { title: `Chronicle ${n}: the ${pick(ADJ)} ${pick(COMMON)}`, text: sentences.join(' ') }
}

/** `count` pages: the README's first, then generated ones. */
export function corpus (count: number): CorpusPage[] {
  const real = readmePages()
  const out = real.slice(0, count)
  for (let n = 0; out.length < count; n++) out.push(generatedPage(n))
  return out
}

export function pageHtml (page: CorpusPage, links: string[] = []): string {
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
  const body = page.text.split(/\n\s*\n/).map(p => `<p>${esc(p)}</p>`).join('\n')
  const nav = links.length === 0 ? '' : `<ul>${links.map(l => `<li><a href="${esc(l)}">${esc(l)}</a></li>`).join('')}</ul>`
  return `<!doctype html><html><head><title>${esc(page.title)}</title><style>p{}</style></head><body><h1>${esc(page.title)}</h1>${body}${nav}<script>var x = "notindexed"</script></body></html>`
}
