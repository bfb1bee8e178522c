import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * Test content on disk: one large incompressible-looking file (xorshift
 * bytes, written 1 MiB at a time so it is never all in memory) and trees of
 * many small distinct files.
 */

/** Writes `bytes` pseudo-random bytes to `path`; returns their SHA-256 (hex). */
export async function writePseudoRandomFile (path: string, bytes: number, seed: number): Promise<string> {
  const out = createWriteStream(path)
  const hash = createHash('sha256')
  let x = (seed >>> 0) === 0 ? 1 : seed >>> 0
  const piece = Buffer.alloc(1 << 20)
  for (let done = 0; done < bytes;) {
    const n = Math.min(piece.length, bytes - done)
    for (let i = 0; i < n; i += 4) {
      x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0
      piece.writeUInt32LE(x, i)
    }
    const chunk = Buffer.from(piece.subarray(0, n))
    hash.update(chunk)
    if (!out.write(chunk)) await once(out, 'drain')
    done += n
  }
  out.end()
  await once(out, 'finish')
  return hash.digest('hex')
}

/**
 * `count` small files of distinct content under `dir`, 100 per sub-directory
 * (d000/f00000.txt …), sizes between about 100 and 2,000 bytes. Returns their
 * relative paths.
 */
export function writeSmallFiles (dir: string, count: number, tag = 'small'): string[] {
  const paths: string[] = []
  for (let i = 0; i < count; i++) {
    const sub = `d${String(Math.floor(i / 100)).padStart(3, '0')}`
    if (i % 100 === 0) mkdirSync(join(dir, sub), { recursive: true })
    const rel = `${sub}/f${String(i).padStart(5, '0')}.txt`
    writeFileSync(join(dir, rel), `${tag} file ${i}\n`.repeat(5 + (i * 7919) % 100))
    paths.push(rel)
  }
  return paths
}

/** A small web site: index.html plus a style sheet and a few pages, all distinct per `tag`. */
export function writeSmallSite (dir: string, tag: string, pages = 4): string[] {
  mkdirSync(dir, { recursive: true })
  const links = Array.from({ length: pages }, (_, i) => `<li><a href="page${i}.html">page ${i}</a></li>`).join('\n')
  writeFileSync(join(dir, 'index.html'), `<!doctype html><html><head><title>${tag}</title><link rel="stylesheet" href="style.css"></head>` +
    `<body><h1>${tag}</h1><ul>${links}</ul><p>${'Tornet benchmark page. '.repeat(40)}</p></body></html>\n`)
  writeFileSync(join(dir, 'style.css'), `body { font-family: sans-serif; } /* ${tag} */\n`)
  const paths = ['index.html', 'style.css']
  for (let i = 0; i < pages; i++) {
    writeFileSync(join(dir, `page${i}.html`), `<!doctype html><p>${tag} page ${i}</p>\n${'lorem ipsum '.repeat(100 + i)}\n`)
    paths.push(`page${i}.html`)
  }
  return paths
}
