import { describe, expect, it } from 'vitest'
import { checkedName, mailNewCommand, newMailbox } from '../../../../src/cli/commands/mail-new.js'
import { makeContext } from '../cli-test-kit.js'
import { expectUsageError } from './command-test-kit.js'
import { fakeMail } from './mail-kit.js'
import { keyAddress } from '../../../../src/node/index.js'
import { generateMailKeys } from '../../../../src/node/services/mail/mail-keys.js'

describe('tornet mail new', () => {
  it('makes the mailbox and prints its address and id', async () => {
    const { mail, dir } = await fakeMail(false)
    const ctx = makeContext(dir)
    const box = await newMailbox(mail, undefined, ctx)
    expect(ctx.stdout.text()).toBe(`address  ${box.address}\nid       ${box.id.toString('hex')}\n`)
    expect(box.address).toMatch(/^[a-z2-7]{52}@tor-net$/)
  })

  it('keeps an existing mailbox, and adds a name with --name', async () => {
    const { mail, dir } = await fakeMail(true)
    const first = mail.mailbox()
    const ctx = makeContext(dir)
    await newMailbox(mail, undefined, ctx)
    expect(ctx.stderr.text()).toContain('has a mailbox already')
    expect(mail.mailbox()).toBe(first)
    const named = makeContext(dir)
    await newMailbox(mail, checkedName('Alice'), named)
    expect(named.stdout.text()).toContain('name     alice@tor-net\n')
    expect(mail.mailbox()?.id.equals(first?.id ?? Buffer.alloc(0))).toBe(true)
  })

  it('checks --name before any work', async () => {
    expect(checkedName('Bob.tor-net')).toBe('bob')
    expect(checkedName('bob@tor-net')).toBe('bob')
    expect(() => checkedName('bad_name')).toThrow(expect.objectContaining({ code: 'MAIL_BAD_ADDRESS' }))
    const key = keyAddress(generateMailKeys().signingKey)
    expect(() => checkedName(key)).toThrow(expect.objectContaining({ code: 'CLI_USAGE' }))
    await expectUsageError(mailNewCommand, ['extra'])
    await expectUsageError(mailNewCommand, ['--nom', 'x'])
  })
})
