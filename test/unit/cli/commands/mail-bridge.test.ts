import { rmSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { mailBridgeCommand } from '../../../../src/cli/commands/mail-bridge.js'
import { startCommand } from '../../../../src/cli/commands/start.js'
import { startMailBridge } from '../../../../src/gateway/mail-bridge/index.js'
import { MemoryMail } from '../../../helpers/memory-mail.js'
import { makeContext, tempDataDir } from '../cli-test-kit.js'

const dirs: string[] = []
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }) })

describe('tornet mail bridge', () => {
  it('shows the default ports and a password before the bridge ever ran, the same password after', async () => {
    const dir = tempDataDir()
    dirs.push(dir)
    const a = makeContext(dir)
    await mailBridgeCommand.run([], a)
    expect(a.stdout.text()).toContain('IMAP        127.0.0.1 port 1143')
    expect(a.stdout.text()).toContain('SMTP        127.0.0.1 port 2525')
    expect(a.stderr.text()).toContain('has not run yet')
    const password = /password +(\S+)/.exec(a.stdout.text())![1]
    // The bridge takes that password and records its ports for the command.
    const bridge = await startMailBridge({ mail: new MemoryMail({ mailbox: 'x' }), dataDir: dir, smtpPort: 0, imapPort: 0 })
    try {
      expect(bridge.password).toBe(password)
      const b = makeContext(dir)
      await mailBridgeCommand.run([], b)
      expect(b.stdout.text()).toContain(`IMAP        127.0.0.1 port ${bridge.imapPort}`)
      expect(b.stdout.text()).toContain(`SMTP        127.0.0.1 port ${bridge.smtpPort}`)
      expect(b.stdout.text()).toContain(`password    ${password}`)
    } finally {
      await bridge.close()
    }
  })

  it('takes no arguments', async () => {
    const dir = tempDataDir()
    dirs.push(dir)
    await expect(mailBridgeCommand.run(['extra'], makeContext(dir))).rejects.toMatchObject({ code: expect.any(String) })
  })
})

describe('tornet start --mail-bridge flags', () => {
  it('refuses port flags without --mail-bridge, and bad ports, before starting anything', async () => {
    const dir = tempDataDir()
    dirs.push(dir)
    await expect(startCommand.run(['--smtp-port', '2526'], makeContext(dir))).rejects.toThrow(/go with --mail-bridge/)
    await expect(startCommand.run(['--mail-bridge', '--imap-port', '70000'], makeContext(dir))).rejects.toThrow(/--imap-port must be an integer/)
  })
})
