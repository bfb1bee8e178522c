// A bare Tornet link in a namespace (the built dist/), for the punch and relay netns test:
//   intro  <port>                                   public: runs the punch service and the relay
//   target <introAddr> <introPort> <introKeyHex>    NATted: keeps the introducer, answers "echo",
//                                                   also through the relay (a second link on it)
//   punch  <introAddr> <introPort> <introKeyHex> <targetKeyHex>   asks for an introduction, echoes
//   relay  <introAddr> <introPort> <introKeyHex> <targetKeyHex>   echoes through the relay
//   direct <addr> <port> <targetKeyHex>             no introduction: just handshakes to addr:port
// Prints one JSON line: { ready, key } for the long-running roles, { ok, endpoint } or { error } for the others.
import { join } from 'node:path'
const dist = process.env.TORNET_DIST
const { generateIdentity, nodeIdOf } = await import(join(dist, 'src/node/identity/identity.js'))
const { createLink } = await import(join(dist, 'src/node/link/link.js'))
const { createUdpTransport } = await import(join(dist, 'src/node/transport/udp.js'))
const { createPunchService } = await import(join(dist, 'src/node/services/punch/index.js'))
const { registerRelayServer, RelayTransport } = await import(join(dist, 'src/node/services/relay/index.js'))

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
    registerRelayServer({ link })
    say({ ready: true, key: identity.publicKey.toString('hex') })
  } else if (role === 'target') {
    punch.setIntroducers([intro])
    await link.request(intro, 'echo', Buffer.from('hello'))
    const relayed = await RelayTransport.open(link, intro)
    const inner = createLink({ identity, transport: relayed })
    inner.registerService('echo', { onRequest: async (_p, b) => b })
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
      const relayed = await RelayTransport.open(link, intro)
      const inner = createLink({ identity, transport: relayed })
      const got = await inner.request({ endpoint: relayed.addPeer(nodeIdOf(targetKey)), publicKey: targetKey }, 'echo', Buffer.alloc(30000, 7))
      say({ ok: got.equals(Buffer.alloc(30000, 7)) ? 'relayed' : 'corrupt' })
    }
    process.exit(0)
  }
} catch (err) {
  say({ error: `${err.code ?? ''} ${err.message}` })
  process.exit(0)
}
