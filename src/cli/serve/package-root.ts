import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The installation's root (where package.json is), from src/ under vitest or dist/src/ when built. */
export function packageRoot (): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 8; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'sample'))) return dir
    dir = dirname(dir)
  }
  throw new Error('cannot find the Tornet installation directory (package.json with sample/)')
}
