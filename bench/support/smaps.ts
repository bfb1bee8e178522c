import { readFileSync, readdirSync } from 'node:fs'

/**
 * Where this process's resident memory is, from /proc/self/smaps (Linux; undefined elsewhere),
 * in MiB, for the memory timeline of the transfer benchmark:
 *
 *   lmdbMb      pages of an LMDB data file mapped in (data.mdb)
 *   filesMb     other file-backed pages (the node binary, shared libraries)
 *   brkMb       the main malloc arena ([heap])
 *   arenaMb     anonymous regions inside 64 MiB-aligned reservations: glibc's per-thread malloc
 *               arenas (the LMDB writer's dirty pages, worker threads' mallocs)
 *   bigAnonMb   other anonymous mappings of 1 MiB or more (V8 spaces, large ArrayBuffers that
 *               malloc served with mmap)
 *   smallAnonMb the remaining anonymous mappings (thread stacks, V8 pages under 1 MiB)
 *
 * Reading smaps walks every mapping (a few milliseconds); sample it every second or so.
 */
export interface SmapsSummary {
  lmdbMb: number
  filesMb: number
  brkMb: number
  arenaMb: number
  bigAnonMb: number
  smallAnonMb: number
}

const ARENA_BYTES = 64 * 1024 * 1024
const MiB = 1024 * 1024

export function summarizeSmaps (): SmapsSummary | undefined {
  let text: string
  try { text = readFileSync('/proc/self/smaps', 'utf8') } catch { return undefined }
  const kb: Record<keyof SmapsSummary, number> = { lmdbMb: 0, filesMb: 0, brkMb: 0, arenaMb: 0, bigAnonMb: 0, smallAnonMb: 0 }
  // glibc reserves each thread arena as one 64 MiB-aligned region and grows it in place with
  // mprotect, which splits it into several mappings: remember the reservations seen.
  const arenaBases = new Set<number>()
  let kind: keyof SmapsSummary | undefined
  for (const line of text.split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line)
    if (head !== null) {
      const start = parseInt(head[1], 16)
      const size = parseInt(head[2], 16) - start
      const path = head[3]
      if (path.endsWith('data.mdb')) kind = 'lmdbMb'
      else if (path === '[heap]') kind = 'brkMb'
      else if (path.startsWith('/')) kind = 'filesMb'
      else if (path !== '') kind = 'smallAnonMb' // [stack], [vvar] …
      else if (start % ARENA_BYTES === 0 && size <= ARENA_BYTES) { arenaBases.add(start); kind = 'arenaMb' }
      else if (arenaBases.has(start - (start % ARENA_BYTES)) && size < ARENA_BYTES) kind = 'arenaMb'
      else kind = size >= MiB ? 'bigAnonMb' : 'smallAnonMb'
      continue
    }
    if (kind !== undefined && line.startsWith('Rss:')) kb[kind] += Number(/(\d+)/.exec(line)?.[1] ?? 0)
  }
  const out = {} as SmapsSummary
  for (const k of Object.keys(kb) as Array<keyof SmapsSummary>) out[k] = Math.round(kb[k] / 102.4) / 10
  return out
}

/**
 * CPU time of each thread of this process so far (Linux; empty elsewhere), in ms, busiest
 * first: the main thread is marked `main`; the others (libuv's pool, worker threads, lmdb's
 * writer) carry their thread id, as Node does not name them.
 */
export function threadCpuMs (): Array<{ thread: string, userMs: number, sysMs: number }> {
  const out: Array<{ thread: string, userMs: number, sysMs: number }> = []
  let tids: string[]
  try { tids = readdirSync('/proc/self/task') } catch { return out }
  const tick = 10 // USER_HZ is 100 on Linux
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
      // comm is in parentheses and may contain spaces: the fields follow the last ')'
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      out.push({ thread: Number(tid) === process.pid ? 'main' : tid, userMs: Number(fields[11]) * tick, sysMs: Number(fields[12]) * tick })
    } catch { /* the thread ended */ }
  }
  return out.sort((a, b) => (b.userMs + b.sysMs) - (a.userMs + a.sysMs))
}
