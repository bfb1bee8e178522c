import { describe, expect, it } from 'vitest'
import { CellTally } from '../../../../src/node/services/tunnels/cell-tally.js'

const turn = async (): Promise<void> => { await new Promise(resolve => setImmediate(resolve)) }

describe('CellTally', () => {
  it('books the cells of each neighbour pair once per event-loop turn, the same sums as per cell', async () => {
    const booked: Array<[string, string | undefined, number]> = []
    const t = new CellTally((prev, next, cells) => { booked.push([prev, next, cells]) })
    for (let i = 0; i < 100; i++) t.add('a', 'b')
    for (let i = 0; i < 3; i++) { t.add('a'); t.add('c', 'b') }
    t.add('a', 'b')
    expect(booked).toEqual([])
    await turn()
    const byPair = new Map(booked.map(([p, n, c]) => [`${p}>${n ?? '-'}`, c]))
    expect(booked).toHaveLength(3)
    expect(Object.fromEntries(byPair)).toEqual({ 'a>b': 101, 'a>-': 3, 'c>b': 3 })
    booked.length = 0
    await turn()
    expect(booked).toEqual([])
    t.add('a', 'b')
    t.flush()
    expect(booked).toEqual([['a', 'b', 1]])
  })

  it('a hook that throws loses only its own pair', async () => {
    const booked: string[] = []
    const t = new CellTally((prev) => { if (prev === 'bad') throw new Error('no'); booked.push(prev) })
    t.add('bad', 'x')
    t.add('good', 'x')
    t.flush()
    expect(booked).toEqual(['good'])
  })
})
