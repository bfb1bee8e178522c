/** The `code` of what `run` throws (a TornetError's stable code), or undefined when it does not throw. */
export function thrownCode (run: () => unknown): string | undefined {
  try { run() } catch (err) { return (err as { code?: string }).code }
  return undefined
}
