// A bare Tornet link in a namespace (the built dist/), for the punch and relay netns test:
//   intro  <port>                                   public: runs the punch service and the relay; on
//                                                   a "stats" line on stdin, prints what it relayed
//   target <introAddr> <introPort> <introKeyHex>    NATted: keeps the introducer, answers "echo",
//                                                   also relayed (relay client, a stream kept there)
//   punch  <introAddr> <introPort> <introKeyHex> <targetKeyHex>   asks for an introduction, echoes
//   relay  <introAddr> <introPort> <introKeyHex> <targetKeyHex>   echoes through the relay (relay
//                                                   client dial), then sends one control packet in clear
//   direct <addr> <port> <targetKeyHex>             no introduction: just handshakes to addr:port
// Prints one JSON line: { ready, key } for the long-running roles, { ok, endpoint } or { error } for the others.
import { join } from 'node:path'
import { createInterface } from 'node:readline'
const dist = process.env.TORNET_DIST
const { generateIdentity, nodeIdOf } = await import(join(dist, 'src/node/identity/identity.js'))
const { createLink } = await import(join(dist, 'src/node/link/link.js'))
const { createUdpTransport } = await import(join(dist, 'src/node/transport/udp.js'))
const { createPunchService } = await import(join(dist, 'src/node/services/punch/index.js'))
const { createRelayClient, registerRelayServer } = await import(join(dist, 'src/node/services/relay/index.js'))

// What the relay must never see (it travels inside the end-to-end session), and what it must see
// (sent outside any session, proving the relay's check would find plaintext if there were any).
const MARKER = Buffer.from('tornet relayed plaintext marker|')
const CONTROL = Buffer.from('tornet relay control, sent in clear|')

const [role, ...args] = process.argv.slice(2)
const identity = generateIdentity()
const transport = await createUdpTransport({ host: '0.0.0.0', port: role === 'intro' ? Number(args[0]) : 0 })
const link = createLink({ identity, transport, limits: { handshakeTimeoutMs: 4000 } })
const punch = createPunchService({ link, keepMs: 2000 })
link.registerService('echo', { onRequest: async (_p, b) => b })
const say = (o) => process.stdout.write(JSON.stringify(o) + '\n')
const intro = args.length >= 3 && role !== 'direct' ? { endpoint: { address: args[0], port: Number(args[1]) }, publicKey: Buffer.from(args[2], 'hex') } : undefined
try {
  if (role === 'intro') {
    const seen = { forwarded: 0, bytes: 0, marker: 0, control: 0 }
    const server = registerRelayServer({
      link,
      onForward: (packet) => {
        seen.forwarded++
        seen.bytes += packet.length
        if (packet.includes(MARKER)) seen.marker++
        if (packet.includes(CONTROL)) seen.control++
      }
    })
    createInterface({ input: process.stdin }).on('line', (line) => {
      if (line.trim() === 'stats') say({ ...seen, stats: server.stats, clients: server.clients() })
    })
    say({ ready: true, key: identity.publicKey.toString('hex') })
  } else if (role === 'target') {
    punch.setIntroducers([intro])
    await link.request(intro, 'echo', Buffer.from('hello'))
    const relay = createRelayClient({ link })
    relay.link.registerService('echo', { onRequest: async (_p, b) => b })
    relay.setRelays([intro])
    say({ ready: true, key: identity.publicKey.toString('hex') })
  } else if (role === 'direct') {
    const peer = await link.connect({ endpoint: { address: args[0], port: Number(args[1]) }, publicKey: Buffer.from(args[2], 'hex') })
    say({ ok: 'connected', endpoint: peer.endpoint })
    process.exit(0)
  } else {
    const targetKey = Buffer.from(args[3], 'hex')
    await link.request(intro, 'echo', Buffer.from('hello'))
    if (role === 'punch') {
      const peer = await punch.connect({ id: nodeIdOf(targetKey), publicKey: targetKey }, [intro])
      const got = await link.request({ endpoint: peer.endpoint, publicKey: targetKey }, 'echo', Buffer.from('punched'))
      say({ ok: got.toString(), endpoint: peer.endpoint })
    } else {
      const relay = createRelayClient({ link })
      const target = await relay.dial({ id: nodeIdOf(targetKey), publicKey: targetKey }, [{ ...intro, id: nodeIdOf(intro.publicKey) }])
      const payload = Buffer.alloc(30_000)
      for (let i = 0; i < payload.length; i += MARKER.length) MARKER.copy(payload, i)
      const got = await relay.link.request(target, 'echo', payload)
      // The control: one datagram straight onto the relay transport, outside the session.
      relay.transport.send(CONTROL, target.endpoint)
      await new Promise((resolve) => setTimeout(resolve, 300))
      say({ ok: got.equals(payload) ? 'relayed' : 'corrupt' })
    }
    process.exit(0)
  }
} catch (err) {
  say({ error: `${err.code ?? ''} ${err.message}` })
  process.exit(0)
}
