/**
 * The checks the radio end-to-end tests share: VLC plays a URL into a WAV
 * that must hold at least 5 s of a 440 Hz tone (± 5 Hz) with the title in
 * its log; headless Firefox plays a station page's <audio> (currentTime
 * advances) and shows a text post sent while it watches.
 */
import { expect } from 'vitest'
import { withFirefox } from './firefox.js'
import { playWithVlc, vlcTitles, type VlcOptions } from './vlc.js'
import { audibleSeconds, dominantFrequency, parseWav } from './wav.js'

export async function expectTone (url: string, opts: VlcOptions & { title: string, hz?: number }): Promise<void> {
  const run = await playWithVlc(url, { seconds: 8, ...opts })
  expect(run.wav.length, `VLC wrote no audio; its log ends:\n${run.log.slice(-2000)}`).toBeGreaterThan(44)
  const pcm = parseWav(run.wav)
  expect(audibleSeconds(pcm)).toBeGreaterThanOrEqual(5)
  expect(Math.abs(dominantFrequency(pcm) - (opts.hz ?? 440))).toBeLessThanOrEqual(5)
  expect(vlcTitles(run.log)).toContain(opts.title)
}

/** Firefox with autoplay allowed: the page's player starts by itself, as it would after a click. */
const AUTOPLAY = { 'media.autoplay.default': 0, 'media.autoplay.blocking_policy': 0 }

export async function checkStationPage (url: string, post: (text: string) => void, screenshot?: string,
  prefs: Record<string, unknown> = {}): Promise<void> {
  await withFirefox({ ...AUTOPLAY, ...prefs }, async page => {
    const response = await page.goto(url, { waitUntil: 'load' })
    expect(response?.status()).toBe(200)
    await page.evaluate(() => { void document.querySelector('audio')?.play() })
    await page.waitForFunction(() => (document.querySelector('audio')?.currentTime ?? 0) > 1.5, { timeout: 20_000 })
    const text = `Hello from the e2e test ${Date.now()}`
    // The events feed may still be connecting: post until the text shows up.
    const shown = page.waitForFunction((t: string) => document.getElementById('posts')?.textContent?.includes(t) === true, { timeout: 20_000 }, text)
    post(text)
    const again = setInterval(() => post(text), 3_000)
    try {
      await shown
    } finally {
      clearInterval(again)
    }
    const before = await page.evaluate(() => document.querySelector('audio')!.currentTime)
    await new Promise(resolve => setTimeout(resolve, 1_500))
    expect(await page.evaluate(() => document.querySelector('audio')!.currentTime)).toBeGreaterThan(before + 0.5)
    if (screenshot !== undefined) await page.screenshot({ path: screenshot })
  })
}
