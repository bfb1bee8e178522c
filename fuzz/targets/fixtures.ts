/** Reads checked-in fixtures from test/fixtures, whether run from fuzz/ (vitest) or dist/fuzz/ (npm run fuzz). */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

function repoRoot (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir)
    if (up === dir) throw new Error('fuzz: cannot find the repository root')
    dir = up
  }
  return dir
}

export function fixture (path: string): Buffer {
  return readFileSync(join(repoRoot(), 'test', 'fixtures', path))
}

export function fixtureJson<T = any> (path: string): T {
  return JSON.parse(fixture(path).toString('utf8')) as T
}
