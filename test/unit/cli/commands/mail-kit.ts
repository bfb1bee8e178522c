import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach } from 'vitest'
import { openMailStore, type MailStore } from '../../../../src/node/services/mail/mail-store.js'
import { FakeMail } from '../fake-mail.js'
import { tempDataDir } from '../cli-test-kit.js'

/** A FakeMail on a real store in a fresh data directory, closed and removed after each test. */
const opened: Array<{ store: MailStore, dir: string }> = []
afterEach(async () => {
  for (const o of opened.splice(0)) {
    await o.store.close()
    await rm(o.dir, { recursive: true, force: true })
  }
})

export async function fakeMail (withMailbox = true): Promise<{ mail: FakeMail, dir: string }> {
  const dir = tempDataDir()
  const store = await openMailStore(join(dir, 'mail', 'store'))
  opened.push({ store, dir })
  const mail = new FakeMail(store)
  if (withMailbox) await mail.createMailbox()
  return { mail, dir }
}
