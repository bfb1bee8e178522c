import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CommandErrorCode } from '../../../src/cli/command-errors.js'
import { countedEntries, measureSource, type CountedEntry } from '../../../src/cli/publish-source.js'
import { isTornetError } from '../../../src/node/errors.js'
import { tempDataDir } from './cli-test-kit.js'

let dir: string
beforeEach(() => { dir = tempDataDir() })
afterEach(() => { rmSync(dir, { recursive: true, force: true }) })

describe('measureSource', () => {
  it('walks in the publisher\'s order (UTF-8 byte order, a directory before its contents) and skips links', async () => {
    mkdirSync(join(dir, 'b', 'c'), { recursive: true })
    writeFileSync(join(dir, 'b', 'c', 'z.txt'), 'zz')
    writeFileSync(join(dir, 'B.txt'), 'B')
    writeFileSync(join(dir, 'a.txt'), 'aaa')
    writeFileSync(join(dir, 'é.txt'), 'é')
    mkdirSync(join(dir, 'empty'))
    symlinkSync(join(dir, 'a.txt'), join(dir, 'link.txt'))
    const m = await measureSource(dir)
    expect(m.kind).toBe('directory')
    expect(m.files).toBe(4)
    expect(m.bytes).toBe(3 + 1 + 2 + Buffer.byteLength('é'))
    expect(m.entries.map(e => e.kind === 'file' ? e.file.rel : `${e.dir.rel}/`)).toEqual(['B.txt', 'a.txt', 'b/', 'b/c/', 'b/c/z.txt', 'empty/', 'é.txt'])
  })

  it('measures a single file', async () => {
    writeFileSync(join(dir, 'one'), 'hello')
    expect(await measureSource(join(dir, 'one'))).toMatchObject({ kind: 'file', files: 1, bytes: 5 })
  })

  it('says plainly when the source does not exist', async () => {
    const err = await measureSource(join(dir, 'nope')).then(() => undefined, (e: unknown) => e)
    expect(isTornetError(err, CommandErrorCode.NO_SUCH_FILE)).toBe(true)
  })
})

describe('countedEntries', () => {
  async function drain (entries: AsyncIterable<CountedEntry>, opens: (e: CountedEntry) => number): Promise<void> {
    for await (const e of entries) {
      if (e.kind !== 'file') continue
      for (let i = 0; i < opens(e); i++) for await (const b of e.open()) void b
    }
  }

  it('counts every source byte exactly once, whether a large file is read once or twice', async () => {
    writeFileSync(join(dir, 'small'), Buffer.alloc(1000))
    writeFileSync(join(dir, 'large-new'), Buffer.alloc(3 << 20))
    writeFileSync(join(dir, 'large-reused'), Buffer.alloc(2 << 20))
    const m = await measureSource(dir)
    let counted = 0
    await drain(countedEntries(m, (n) => { counted += n }), (e) => e.kind === 'file' && e.path === 'large-new' ? 2 : 1)
    expect(counted).toBe(m.bytes)
  })

  it('yields paths relative to the root, directories included', async () => {
    mkdirSync(join(dir, 'd'))
    writeFileSync(join(dir, 'd', 'f'), 'x')
    const paths: string[] = []
    for await (const e of countedEntries(await measureSource(dir), () => {})) paths.push(`${e.kind}:${e.path}`)
    expect(paths).toEqual(['directory:d', 'file:d/f'])
  })
})
