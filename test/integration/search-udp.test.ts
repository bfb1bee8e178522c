import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateIdentity } from '../../src/node/identity/identity.js'
import { parseReference } from '../../src/node/index.js'
import { createTestnet, type Testnet } from '../helpers/testnet.js'
import { corpus } from '../helpers/search-corpus.js'
import { publishSite } from '../helpers/search-sites.js'

/**
 * Issue 20 on real sockets: 10 UDP nodes publish 500 pages (this project's
 * README, then generated text) as 10 sites; the first site's front page links
 * to the other nine, so the builder reaches every site by following links.
 * Some sites are tagged; node 0 builds and publishes the index; node 10, which
 * trusts node 0 as a builder, searches and gets the expected top results.
 */
describe('search on 11 real nodes', () => {
  let net: Testnet
  const builder = generateIdentity()
  const sites: Array<{ reference: string, pages: string[] }> = []
  const pages = corpus(500)

  beforeAll(async () => {
    net = await createTestnet(11, {
      identityFor: (i) => i === 0 ? builder : undefined,
      configFor: (i) => i === 10 ? { search: { trust: [builder.publicKey.toString('hex')] } } : {}
    })
    // Sites 1..9 first, then site 0 (on node 0) linking to them all.
    for (let s = 1; s < 10; s++) sites[s] = await publishSite(net.nodes[s], `site ${s}`, pages.slice(s * 50, s * 50 + 50))
    sites[0] = await publishSite(net.nodes[0], 'site 0', pages.slice(0, 50), sites.slice(1).map(x => `http://${x.reference}.tor-net/`))
  })
  afterAll(async () => { await net?.close() })

  it('tags are signed, stored under each word and on the target, and read by others', async () => {
    await net.nodes[3].search.tag(sites[3].reference, ['chronicles', 'stories'])
    await net.nodes[4].search.tag(sites[3].reference, ['chronicles'])
    await net.nodes[5].search.tag(sites[7].reference, ['chronicles'])
    // The node hosting the tagged site's root chunk (its publisher, node 3) holds node 4's tag too.
    const rootId = parseReference(sites[3].reference).id
    expect(net.nodes[3].search.holder.find(rootId).map(h => h.record.tagger.toString('hex'))).toContain(net.nodes[4].identity.publicKey.toString('hex'))
    const onTarget = await net.nodes[8].search.tagsOn(sites[3].reference)
    expect(onTarget.map(t => t.tagger.toString('hex')).sort()).toEqual([net.nodes[3], net.nodes[4]].map(n => n.identity.publicKey.toString('hex')).sort())
    const tagged = await net.nodes[9].search.taggedWith('chronicles')
    // Two taggers agree on site 3: it outweighs site 7.
    expect(tagged.map(t => t.target)).toEqual([sites[3].reference, sites[7].reference])
    expect(tagged[0].taggers).toBe(2)
    await expect(net.nodes[3].search.tag(sites[3].reference, ['the'])).rejects.toMatchObject({ code: 'SEARCH_INVALID_ARGUMENT' })
  })

  it('builds and publishes the index; another node finds the expected pages', async () => {
    const built = await net.nodes[0].search.buildIndex({ seeds: [{ reference: sites[0].reference }] })
    expect(built.sites).toBe(10)
    expect(built.documents).toBe(510) // 500 pages and 10 front pages
    expect(built.failed).toBe(0)
    const searcher = net.nodes[10].search

    // A page of the README's section on Thunderbird.
    const thunderbird = await searcher.search('thunderbird')
    expect(thunderbird.builders).toEqual([builder.publicKey.toString('hex')])
    expect(thunderbird.hits[0].title).toMatch(/Thunderbird/)
    expect(thunderbird.hits[0].url).toMatch(/^http:\/\/[a-z2-7]{56}\.[a-z2-7]{56}\.tor-net\/page-\d+\.html$/)

    // A generated page by its title's unusual words: both terms match, so it ranks first.
    const target = pages.findIndex(p => p.title.startsWith('Chronicle 300:'))
    const words = pages[target].title.split(': ')[1]
    const hits = (await searcher.search(`chronicle 300 ${words}`)).hits
    expect(hits[0].title).toBe(pages[target].title)
    const site = Math.floor(target / 50)
    expect(hits[0].url).toBe(`http://${sites[site].reference}.tor-net/page-${target % 50}.html`)

    // The tagged site's front page comes up for its tag word, the two-tagger one first.
    const byTag = await searcher.search('stories')
    expect(byTag.hits[0].host).toBe(`${sites[3].reference}.tor-net`)
    expect(byTag.hits[0].tags).toContain('stories')

    // Nothing matches: empty, not an error; and any query bytes are handled.
    expect((await searcher.search('zzqxxv')).hits).toEqual([])
    expect((await searcher.search('\uD800\u0000%ff'.repeat(1000))).hits).toEqual([])
  })

  it('a node that trusts no builder with an index gets SEARCH_NO_INDEX', async () => {
    await expect(net.nodes[5].search.search('thunderbird')).rejects.toMatchObject({ code: 'SEARCH_NO_INDEX' })
  })
})
