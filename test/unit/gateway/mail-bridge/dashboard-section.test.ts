import { describe, expect, it } from 'vitest'
import { mailClientsSection } from '../../../../src/gateway/mail-bridge/dashboard-section.js'
import { MemoryMail } from '../../../helpers/memory-mail.js'

const signal = new AbortController().signal

describe('the dashboard\'s Mail clients panel', () => {
  it('shows the user, password and ports, escaped', async () => {
    const section = mailClientsSection({ host: '127.0.0.1', smtpPort: 2525, imapPort: 1143, password: 'p<w>&"' }, new MemoryMail({ mailbox: 'bob' }))
    expect(section.id).toBe('mail-clients')
    const html = await section.render({ signal })
    expect(html).toContain('<code>bob@tor-net</code>')
    expect(html).toContain('p&lt;w&gt;&amp;')
    expect(html).not.toContain('p<w>')
    expect(html).toContain('127.0.0.1 port 1143')
    expect(html).toContain('127.0.0.1 port 2525')
  })

  it('says how to make a mailbox when there is none', async () => {
    const html = await mailClientsSection({ host: '127.0.0.1', smtpPort: 1, imapPort: 2, password: 'x' }, new MemoryMail()).render({ signal })
    expect(html).toContain('no mailbox yet')
  })
})
