import { usageError } from './errors.js'

/** An integer flag value in [min, max], or a usage error naming the flag. */
export function intFlag (flag: string, text: string, min: number, max: number): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw usageError(`${flag} must be an integer from ${min} to ${max}, not "${text}"`)
  }
  return n
}
