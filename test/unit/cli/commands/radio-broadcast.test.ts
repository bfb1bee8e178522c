import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { describe, it } from 'vitest'
import { broadcastFrom, radioBroadcastCommand } from '../../../../src/cli/commands/radio-broadcast.js'
import { createStationKey } from '../../../../src/node/index.js'
import { makeContext, tempDataDir } from '../cli-test-kit.js'
import { expectCode, expectUsageError } from './command-test-kit.js'

describe('tornet radio broadcast', () => {
  it('needs a label and a source', async () => {
    await expectUsageError(radioBroadcastCommand, [])
    await expectUsageError(radioBroadcastCommand, ['x'])
    await expectUsageError(radioBroadcastCommand, ['x', 'a', 'b'])
    await expectUsageError(radioBroadcastCommand, ['x', 'a', '--bogus'])
  })

  it('checks the station and the input before starting a node (there is no identity here)', async () => {
    const dir = tempDataDir()
    await expectCode(broadcastFrom(makeContext(dir), 'none', '-'), 'RADIO_KEY_MISSING')
    createStationKey(dir, 'st')
    await expectCode(broadcastFrom(makeContext(dir), 'st', join(dir, 'missing.mp3')), 'CLI_NO_SUCH_FILE')
    const wav = join(dir, 'x.wav.mp3')
    writeFileSync(wav, Buffer.concat([Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt '), Buffer.alloc(5000)]))
    await expectCode(broadcastFrom(makeContext(dir), 'st', wav), 'RADIO_CODEC_UNKNOWN_FORMAT')
    await expectCode(broadcastFrom(makeContext(dir), 'st', '-', { stdin: Readable.from([Buffer.from('hello, not audio')]) }), 'RADIO_CODEC_UNKNOWN_FORMAT')
    // A good input gets as far as the node: it mines an identity (a small one, per config.json),
    // then finds no peer to join.
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ listen: { host: '127.0.0.1', port: 0 }, identityRank: 4 }))
    await expectCode(broadcastFrom(makeContext(dir), 'st', join(import.meta.dirname, '../../../fixtures/radio/tone.mp3')), 'CLI_NO_PEERS')
  })
})
