/** The loopback test network ships with the code (src/node/testnet.ts); tests use it from here. */
export { createTestnet, type Testnet, type TestnetOptions } from '../../src/node/testnet.js'
