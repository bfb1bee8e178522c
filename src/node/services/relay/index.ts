export { registerRelayServer, type RelayServer, type RelayServerOptions, type RelayStats } from './relay-server.js'
export { RELAYED_PORT, relayedEndpoint, RelayTransport } from './relay-transport.js'
