// A minimal STUN server (RFC 5389 Binding, with RFC 5780's CHANGE-REQUEST) for miniupnpd's check
// that its WAN is not filtered: miniupnpd sends four requests asking for the answer from the same
// address, another port, another IP, and both; it enables port forwarding only if all four arrive.
// Arguments: IP1 IP2 PORT1 PORT2 (four sockets). Prints one JSON line when ready and per answer.
import { createSocket } from 'node:dgram'

const [ip1, ip2, p1, p2] = process.argv.slice(2)
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n')
const sockets = new Map()
let ready = 0
for (const ip of [ip1, ip2]) {
  for (const port of [Number(p1), Number(p2)]) {
    const s = createSocket('udp4')
    sockets.set(`${ip}:${port}`, s)
    s.on('error', (err) => { out({ error: err.code ?? String(err) }); process.exit(1) })
    s.on('message', (msg, r) => answer(ip, port, msg, r))
    s.bind(port, ip, () => { if (++ready === 4) out({ ready: true }) })
  }
}

function answer (ip, port, msg, r) {
  // A Binding request: type 0x0001, the magic cookie, a 12-byte transaction id; anything else is ignored.
  if (msg.length < 20 || msg.readUInt16BE(0) !== 0x0001 || msg.readUInt32BE(4) !== 0x2112a442) return
  const length = msg.readUInt16BE(2)
  if (20 + length > msg.length) return
  let flags = 0
  for (let at = 20; at + 4 <= 20 + length;) {
    const type = msg.readUInt16BE(at)
    const len = msg.readUInt16BE(at + 2)
    if (type === 0x0003 && len === 4 && at + 8 <= msg.length) flags = msg.readUInt32BE(at + 4)
    at += 4 + ((len + 3) & ~3)
  }
  const fromIp = (flags & 4) !== 0 ? (ip === ip1 ? ip2 : ip1) : ip
  const fromPort = (flags & 2) !== 0 ? (port === Number(p1) ? Number(p2) : Number(p1)) : port
  const reply = Buffer.alloc(32)
  reply.writeUInt16BE(0x0101, 0) // Binding success response
  reply.writeUInt16BE(12, 2)
  msg.copy(reply, 4, 4, 20) // cookie and transaction id
  reply.writeUInt16BE(0x0020, 20) // XOR-MAPPED-ADDRESS
  reply.writeUInt16BE(8, 22)
  reply.writeUInt8(1, 25) // IPv4
  reply.writeUInt16BE(r.port ^ 0x2112, 26)
  const a = r.address.split('.').map(Number)
  reply.writeUInt32BE((((a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3]) ^ 0x2112a442) >>> 0, 28)
  sockets.get(`${fromIp}:${fromPort}`).send(reply, r.port, r.address, (err) => out({ answered: `${r.address}:${r.port}`, from: `${fromIp}:${fromPort}`, error: err?.code }))
}
