import { parseArgs } from 'node:util'
import { runRadioSim } from './support/radio-sim.js'
import { runRadioUdp } from './support/radio-udp.js'
import { round } from './support/stats.js'
import { emit, progress } from './util.js'

/**
 * Radio (issue 14): live audio over relay trees built by demand.
 *
 * On the routing simulator (real Dht and radio code on every node, virtual clock, log-normal
 * one-way latency with a 50 ms median, --loss default 1%): --nodes (1,100) nodes, --listeners
 * (1,000) of them calling listen() at random times over a minute, 10% of the relays killed
 * during it. A listener plays with a fixed --playout-ms (3,000) delay after the source's
 * timestamp. --push-tries 1 sends each segment once without retry (what unacknowledged
 * datagrams would give): the measured case for acknowledged pushes.
 *
 *   radio.source_upload_ratio   bytes the broadcaster's node sent ÷ stream bytes (target ≤ 3)
 *   radio.continuity            audio segments arrived by their play time ÷ due (target ≥ 0.995)
 *   radio.join_ms_p50 / _p99    listen() called → first audio segment arrived (≤ 1,000 / ≤ 3,000)
 *   radio.delay_ms_p99          source timestamp → arrival of live segments (≤ 6,000)
 *   radio.max_fanout            most children any node fed at once
 *   radio.rejoin_ms_p50 / _p99  a relay or listener noticed its upstream stalled (1 s) → new parent
 *
 * On real loopback UDP (--udp-nodes 20 nodes, --udp-listeners 50 listens spread over them):
 *
 *   radio.cpu_ms_per_listener_s process CPU ms (all nodes, relaying + verifying) per listener
 *                               per second of audio; the baseline is the same with no listener
 *
 *   npm run bench -- radio [--nodes 1100] [--listeners 1000] [--loss 0.01] [--seed 1]
 *                          [--udp-nodes 20] [--udp-listeners 50] [--skip sim,udp]
 */
export const summary = 'radio: relay trees on 1,000 simulated listeners (continuity, join, delay, source upload); relay CPU on real UDP'

export async function run (args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      nodes: { type: 'string', default: '1100' },
      listeners: { type: 'string', default: '1000' },
      loss: { type: 'string', default: '0.01' },
      seed: { type: 'string', default: '1' },
      'playout-ms': { type: 'string', default: '3000' },
      'push-tries': { type: 'string', default: '2' },
      'udp-nodes': { type: 'string', default: '20' },
      'udp-listeners': { type: 'string', default: '50' },
      skip: { type: 'string', default: '' }
    }
  })
  const skip = new Set(values.skip.split(',').filter(Boolean))
  if (!skip.has('sim')) {
    const started = performance.now()
    progress(`radio sim: ${values.nodes} nodes, ${values.listeners} listeners joining over 60 s, 10% of relays leaving, loss ${values.loss}…`)
    const f = await runRadioSim({
      nodes: Number(values.nodes),
      listeners: Number(values.listeners),
      joinSpreadMs: 60_000,
      tailMs: 15_000,
      leaveFraction: 0.1,
      loss: Number(values.loss),
      seed: Number(values.seed),
      playoutMs: Number(values['playout-ms']),
      pushTries: Number(values['push-tries']),
      onProgress: progress
    })
    const extra = { listeners: f.listenersMeasured, relays_killed: f.relaysKilled, join_failures: f.joinFailures, wall_s: round((performance.now() - started) / 1000, 1) }
    emit('radio.source_upload_ratio', round(f.sourceUploadRatio, 3), 'ratio', { target: '<= 3', ...extra })
    emit('radio.continuity', round(f.continuity, 4), 'ratio', { target: '>= 0.995', playout_ms: Number(values['playout-ms']), push_tries: Number(values['push-tries']) })
    emit('radio.join_ms_p50', round(f.joinMsP50, 0), 'ms', { target: '<= 1000' })
    emit('radio.join_ms_p99', round(f.joinMsP99, 0), 'ms', { target: '<= 3000' })
    emit('radio.delay_ms_p99', round(f.delayMsP99, 0), 'ms', { target: '<= 6000' })
    emit('radio.max_fanout', f.maxFanout, 'children')
    emit('radio.rejoin_ms_p50', round(f.rejoinMsP50, 0), 'ms', { rejoins: f.rejoins, stall_ms: 1000 })
    emit('radio.rejoin_ms_p99', round(f.rejoinMsP99, 0), 'ms', { note: 'after the 1 s stall is noticed; playback runs on from the buffer meanwhile' })
  }
  if (!skip.has('udp')) {
    progress(`radio udp: ${values['udp-nodes']} real nodes on 127.0.0.1, ${values['udp-listeners']} listeners…`)
    const u = await runRadioUdp({ nodes: Number(values['udp-nodes']), listeners: Number(values['udp-listeners']), onProgress: progress })
    emit('radio.cpu_ms_per_listener_s', round(u.cpuMsPerListenerSecond, 3), 'ms', {
      per_tree_node: round(u.cpuMsPerListenerSecond * u.listeners / (Number(values['udp-nodes']) - 1), 3),
      baseline_idle_cpu_ms_per_s: round(u.idleCpuMsPerSecond, 2),
      audio_s: u.audioSeconds,
      listeners: u.listeners,
      kept: round(u.kept, 4)
    })
  }
}
