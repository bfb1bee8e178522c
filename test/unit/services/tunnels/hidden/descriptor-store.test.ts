import { describe, expect, it } from 'vitest'
import { timePeriod } from '../../../../../src/node/services/tunnels/blinding.js'
import { fetchPeriods, publishPeriods } from '../../../../../src/node/services/tunnels/hidden/descriptor-store.js'

const noon = Date.UTC(2026, 11, 6, 12, 0, 0)
const day = 24 * 3600_000

describe('descriptor periods', () => {
  it('a service publishes for today, and also for tomorrow in the last 2 hours before midnight UTC', () => {
    expect(publishPeriods(noon)).toEqual([timePeriod(noon)])
    const late = Date.UTC(2026, 11, 6, 22, 30, 0)
    expect(publishPeriods(late)).toEqual([timePeriod(late), timePeriod(late) + 1])
    expect(publishPeriods(Date.UTC(2026, 11, 6, 21, 59, 0))).toHaveLength(1)
  })

  it('a client tries today, then the day across the nearer midnight', () => {
    const morning = Date.UTC(2026, 11, 6, 0, 20, 0)
    expect(fetchPeriods(morning)).toEqual([timePeriod(morning), timePeriod(morning - day)])
    const evening = Date.UTC(2026, 11, 6, 23, 50, 0)
    expect(fetchPeriods(evening)).toEqual([timePeriod(evening), timePeriod(evening + day)])
    // Just after midnight the service's "tomorrow" copy is today's: published periods and fetched ones meet.
    expect(fetchPeriods(morning)[0]).toBe(publishPeriods(morning - 30 * 60_000)[1])
  })
})
