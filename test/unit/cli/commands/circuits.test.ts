import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { circuitsCommand, parseReport } from '../../../../src/cli/commands/circuits.js'
import { createGateway, type Gateway } from '../../../../src/gateway/index.js'
import { installDashboard } from '../../../../src/gateway/apps/dashboard/index.js'
import { installTunnelsPages } from '../../../../src/gateway/apps/tunnels/index.js'
import { createFakeNetwork } from '../../../helpers/fake-site-content.js'
import { fakeCircuit, fakeHidden, fakeTunnelsPort } from '../../../helpers/fake-tunnels-port.js'
import { fakePort } from '../../gateway/dashboard/fake-port.js'
import { makeContext, tempDataDir } from '../cli-test-kit.js'
import { expectCode, expectUsageError } from './command-test-kit.js'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

let gateway: Gateway
let other: Server

beforeAll(async () => {
  const net = createFakeNetwork()
  gateway = await createGateway({ port: 0, resolver: net.resolver, content: net.content })
  const dashboard = installDashboard(gateway.local, fakePort())
  installTunnelsPages(gateway, dashboard, fakeTunnelsPort(
    [fakeCircuit({ createdAt: Date.now() - 90_000, isolation: 'tornet-hops-3' })],
    [fakeHidden()],
    { circuitsOrigin: 1, circuitsRelayed: 4, cellsForwarded: 99, cellsDropped: 0, droppedByReason: {} }))
  other = createServer((_req, res) => { res.writeHead(404); res.end('nope') })
  await new Promise<void>(resolve => other.listen(0, '127.0.0.1', resolve))
})

afterAll(async () => {
  await gateway.close()
  other.close()
})

describe('tornet circuits', () => {
  it('prints the running node\'s circuits by rank and its hidden services', async () => {
    const ctx = makeContext(tempDataDir())
    await circuitsCommand.run(['--gateway', `127.0.0.1:${gateway.address.port}`], ctx)
    const out = ctx.stdout.text()
    expect(out).toContain('circuits: 1 (1 open)')
    expect(out).toMatch(/a1b2c3d4 +general +open +rank 12 → rank 9 → rank 14 +1 min 3\d s +3\.00 MiB +2\.00 KiB +2 +tornet-hops-3/)
    expect(out).toContain('as a relay: 4 circuits carried, 99 cells forwarded, 0 dropped')
    expect(out).toContain('hidden services: 1')
    expect(out).toMatch(/guestbook\.tor-net +[a-z2-7]{56}\.tor-net +127\.0\.0\.1:41234 +10,11,8 +7 +1 +open/)
  })

  it('prints the same report as JSON', async () => {
    const ctx = makeContext(tempDataDir())
    await circuitsCommand.run(['--gateway', `127.0.0.1:${gateway.address.port}`, '--json'], ctx)
    const report = parseReport(ctx.stdout.text(), 'test')
    expect(report.circuits[0]!.hops).toEqual([{ rank: 12 }, { rank: 9 }, { rank: 14 }])
  })

  it('says how to start a node when none runs there, and refuses what is not a report', async () => {
    const closed = createServer()
    await new Promise<void>(resolve => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise(resolve => closed.close(resolve))
    await expectCode(circuitsCommand.run(['--gateway', `127.0.0.1:${port}`], makeContext(tempDataDir())), 'CLI_NO_RUNNING_NODE')
    await expectCode(circuitsCommand.run(['--gateway', `127.0.0.1:${(other.address() as AddressInfo).port}`], makeContext(tempDataDir())), 'CLI_NO_RUNNING_NODE')
    expect(() => parseReport('{"now":1,"circuits":[{"id":1}],"hidden":[]}', 'x')).toThrow(expect.objectContaining({ code: 'CLI_NO_RUNNING_NODE' }))
  })

  it('checks its arguments', async () => {
    await expectUsageError(circuitsCommand, ['x'])
    await expectUsageError(circuitsCommand, ['--gateway', 'nonsense'])
  })
})
