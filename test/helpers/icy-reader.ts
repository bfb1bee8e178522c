/** Test side of ICY: splits a received body back into audio and the titles its metadata blocks carried. */
export interface IcyParts { audio: Buffer, titles: string[], blocks: number }

export function readIcy (body: Buffer, metaint: number): IcyParts {
  const audio: Buffer[] = []
  const titles: string[] = []
  let blocks = 0
  let at = 0
  while (at < body.length) {
    const run = Math.min(metaint, body.length - at)
    audio.push(body.subarray(at, at + run))
    at += run
    if (run < metaint || at >= body.length) break
    const size = body[at]! * 16
    const text = body.subarray(at + 1, at + 1 + size).toString('utf8').replace(/\0+$/, '')
    blocks++
    const m = /^StreamTitle='(.*?)';/s.exec(text)
    if (m !== null) titles.push(m[1]!)
    at += 1 + size
  }
  return { audio: Buffer.concat(audio), titles, blocks }
}
