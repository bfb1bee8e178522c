import { describe, expect, it } from 'vitest'
import { mailboxKeyOfValue } from '../../../../src/cli/serve/bit-mailbox.js'
import { generateMailKeys } from '../../../../src/node/services/mail/mail-keys.js'
import { keyAddress } from '../../../../src/node/services/mail/address.js'

describe('mailboxKeyOfValue (the "tornet-mail" item of a d/ record)', () => {
  const keys = generateMailKeys()
  const address = keyAddress(keys.signingKey)

  it('reads a key address, with or without @tor-net', () => {
    expect(mailboxKeyOfValue(JSON.stringify({ 'tornet-mail': address }))).toEqual(keys.signingKey)
    expect(mailboxKeyOfValue(JSON.stringify({ ip: '192.0.2.1', 'tornet-mail': address.replace('@tor-net', '') }))).toEqual(keys.signingKey)
  })

  it('names no mailbox for anything else', () => {
    for (const value of [
      '', 'not json', '[]', 'null', '"x"', JSON.stringify({ ip: '192.0.2.1' }),
      JSON.stringify({ 'tornet-mail': 42 }), JSON.stringify({ 'tornet-mail': 'bob@tor-net' }),
      JSON.stringify({ 'tornet-mail': address.slice(0, 20) }), JSON.stringify({ 'tornet-mail': 'a'.repeat(500) }),
      JSON.stringify({ map: { www: { 'tornet-mail': address } } })
    ]) expect(mailboxKeyOfValue(value), value).toBeUndefined()
  })
})
