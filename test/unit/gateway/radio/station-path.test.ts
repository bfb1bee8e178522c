import { describe, expect, it } from 'vitest'
import { parseNameHostPath, parseRadioPath } from '../../../../src/gateway/apps/radio/station-path.js'

const HEX = 'ab'.repeat(32)

describe('radio paths', () => {
  it('tells the stream, page, playlist and events apart', () => {
    expect(parseRadioPath(`/radio/${HEX}`, '')).toEqual({ station: HEX, view: 'stream' })
    expect(parseRadioPath(`/radio/${HEX}`, '?page')).toEqual({ station: HEX, view: 'page' })
    expect(parseRadioPath('/radio/welcome-radio.html', '')).toEqual({ station: 'welcome-radio', view: 'page' })
    expect(parseRadioPath('/radio/Welcome-Radio.m3u', '')).toEqual({ station: 'welcome-radio', view: 'm3u' })
    expect(parseRadioPath('/radio/jazz.tor-net/events', '')).toEqual({ station: 'jazz.tor-net', view: 'events' })
    expect(parseRadioPath('/radio/jazz/', '')).toEqual({ station: 'jazz', view: 'stream' })
  })

  it('refuses what names no station', () => {
    for (const p of ['/radio/', '/radio', '/radio/a/b', '/radio/%zz', '/radio/-x', '/radio/a%2Fb', '/other/x', `/radio/${'a'.repeat(200)}`]) {
      expect(parseRadioPath(p, ''), p).toBeUndefined()
    }
  })

  it('maps the paths of a name host', () => {
    expect(parseNameHostPath('/', '')).toEqual({ view: 'stream' })
    expect(parseNameHostPath('/', '?page=1')).toEqual({ view: 'page' })
    expect(parseNameHostPath('/index.html', '')).toEqual({ view: 'page' })
    expect(parseNameHostPath('/station.m3u', '')).toEqual({ view: 'm3u' })
    expect(parseNameHostPath('/events', '')).toEqual({ view: 'events' })
    expect(parseNameHostPath('/favicon.ico', '')).toBeUndefined()
  })
})
