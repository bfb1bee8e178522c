import { describe, expect, it } from 'vitest'
import { MAX_STATION_ROWS, renderStationList, stationsSection } from '../../../../src/gateway/apps/radio/stations-section.js'
import { MemoryRadio } from '../../../helpers/memory-radio.js'

describe('the dashboard radio panel', () => {
  it('lists the stations this node knows, escaped, with links to page, stream and playlist', async () => {
    const radio = new MemoryRadio()
    const station = radio.addStation('<b>jazz</b>', 'ogg', 96)
    station.title('Miles & "Trane"')
    const html = await stationsSection(radio).render({ signal: new AbortController().signal })
    const hex = station.info.id.toString('hex')
    expect(html).toContain('&lt;b&gt;jazz&lt;/b&gt;')
    expect(html).not.toContain('<b>jazz')
    expect(html).toContain('Miles &amp; &quot;Trane&quot;')
    expect(html).toContain(`href="/radio/${hex}.html"`)
    expect(html).toContain(`href="/radio/${hex}"`)
    expect(html).toContain(`href="/radio/${hex}.m3u"`)
    expect(html).toContain('ogg 96 kbit/s')
  })

  it('says how to start a station when there is none, and bounds a long list', () => {
    expect(renderStationList([])).toContain('tornet radio create')
    const radio = new MemoryRadio()
    for (let i = 0; i < MAX_STATION_ROWS + 5; i++) radio.addStation(`s${i}`, 'mp3', 64, Buffer.alloc(32, i))
    const html = renderStationList(radio.known())
    expect(html.match(/<tr>/g)?.length).toBe(MAX_STATION_ROWS + 1) // the header row too
    expect(html).toContain('and 5 more')
  })
})
