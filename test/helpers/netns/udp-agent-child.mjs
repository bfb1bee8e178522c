// A UDP socket in a namespace, driven by its parent (udp-agent.ts): it binds the port given as the
// first argument, reads "host port text" lines on stdin and sends each, and prints one JSON line
// per datagram received ({ from, port, text }) and per send ({ sent, error }).
import { createSocket } from 'node:dgram'
import { createInterface } from 'node:readline'

const out = (o) => process.stdout.write(JSON.stringify(o) + '\n')
const socket = createSocket('udp4')
socket.on('message', (msg, r) => out({ from: r.address, port: r.port, text: msg.toString('utf8') }))
socket.on('error', (err) => { out({ error: err.code ?? String(err) }); process.exit(1) })
socket.bind(Number(process.argv[2]), '0.0.0.0', () => out({ ready: socket.address().port }))
createInterface({ input: process.stdin })
  .on('line', (line) => {
    const [host, port, text] = line.split(' ')
    socket.send(text, Number(port), host, (err) => out({ sent: text, error: err?.code }))
  })
  .on('close', () => socket.close())
