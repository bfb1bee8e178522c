import { readdirSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { postSpoolDir, queuePost, watchPosts } from '../../../src/cli/radio-post-spool.js'
import { tempDataDir } from './cli-test-kit.js'

describe('post spool', () => {
  it('delivers queued posts in order, once each', async () => {
    const dir = tempDataDir()
    queuePost(dir, 'st', 'first')
    await new Promise(resolve => setTimeout(resolve, 2))
    queuePost(dir, 'st', 'second ✓')
    const got: string[] = []
    const ac = new AbortController()
    watchPosts(dir, 'st', (t) => got.push(t), ac.signal)
    expect(got).toEqual(['first', 'second ✓'])
    queuePost(dir, 'st', 'third')
    await new Promise(resolve => setTimeout(resolve, 700))
    ac.abort()
    expect(got).toEqual(['first', 'second ✓', 'third'])
    expect(readdirSync(postSpoolDir(dir, 'st'))).toEqual([])
  })

  it('refuses empty and oversized posts', () => {
    const dir = tempDataDir()
    expect(() => queuePost(dir, 'st', '  ')).toThrow(expect.objectContaining({ code: 'CLI_USAGE' }))
    expect(() => queuePost(dir, 'st', 'é'.repeat(513))).toThrow(expect.objectContaining({ code: 'CLI_USAGE' }))
    expect(() => queuePost(dir, 'st', 'é'.repeat(512))).not.toThrow()
  })
})
