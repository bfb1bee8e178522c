import { describe, expect, it } from 'vitest'
import { formatTable } from '../../../src/cli/text-table.js'

describe('formatTable', () => {
  it('pads columns to the widest cell and right-aligns the named ones', () => {
    expect(formatTable(['id', 'rank'], [['ab', '3'], ['abcdef', '12']], ['rank'])).toBe(
      'id      rank\n' +
      'ab         3\n' +
      'abcdef    12\n')
  })
})
