import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAIL_FOLDERS } from '../../../../src/node/services/mail/mail-api.js'
import { MAX_PAGE, openMailStore } from '../../../../src/node/services/mail/mail-store.js'
import { killAndWait, spawnUntil, tempDir } from '../../store/fixtures/helpers.js'
import { transpileForChild } from '../../store/fixtures/transpile.js'

let build: string
beforeAll(() => { build = transpileForChild('src/node/services/mail/mail-store.ts') })
afterAll(() => { rmSync(build, { recursive: true, force: true }) })

async function until (pred: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 600 && !pred(); i++) await new Promise((resolve) => setTimeout(resolve, 50))
  if (!pred()) throw new Error(`timed out waiting for ${what}`)
}

describe('mail store crash safety', () => {
  it('a writer SIGKILLed mid-stream leaves counts, index and messages agreeing, and every committed change in place', async () => {
    const { dir, cleanup } = tempDir()
    const added = new Set<string>()
    const folderOf = new Map<string, string>()
    try {
      for (let round = 0; round < 2; round++) { // crash the same store twice over
        const { child, lines } = await spawnUntil(join(import.meta.dirname, 'fixtures/mail-crash-writer.mjs'), [build, dir], 'ready')
        try {
          await until(() => lines.length > 200, 'the child to commit 200 changes')
          await killAndWait(child, 'SIGKILL')
        } finally { await killAndWait(child) }
        for (const l of lines) {
          const [ok, what, id] = l.split(' ')
          if (ok !== 'ok') continue
          if (what === 'add') { added.add(id); folderOf.set(id, 'inbox') }
          if (what === 'move') folderOf.set(id, 'sent')
          if (what === 'trash') folderOf.set(id, 'trash')
        }
        const store = await openMailStore(dir)
        try {
          const counts = await store.counts()
          let listedTotal = 0
          for (const folder of MAIL_FOLDERS) {
            const ids: string[] = []
            let unread = 0
            for (let offset = 0; ; offset += MAX_PAGE) {
              const page = await store.list(folder, { offset, limit: MAX_PAGE })
              for (const m of page.messages) {
                ids.push(m.id)
                if (m.unread) unread++
                expect((await store.raw(m.id))?.length).toBe(m.size)
              }
              if (page.messages.length < MAX_PAGE) break
            }
            expect(counts[folder], folder).toEqual({ total: ids.length, unread })
            listedTotal += ids.length
          }
          // Every change the child saw committed is there (later uncommitted ones may be too).
          for (const id of added) {
            const m = await store.summary(id)
            expect(m, id).toBeDefined()
            const seen = folderOf.get(id)
            if (seen === 'trash') expect(m?.folder).toBe('trash')
            if (seen === 'sent') expect(['sent', 'trash']).toContain(m?.folder)
          }
          expect(listedTotal).toBeGreaterThanOrEqual(added.size)
        } finally { await store.close() }
      }
    } finally { cleanup() }
  })
})
