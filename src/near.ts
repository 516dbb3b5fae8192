/** Levenshtein distance: how many one-letter edits turn a into b. */
export function distance(a: string, b: string): number {
  let prev = Array.from({length: b.length + 1}, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    prev = row
  }
  return prev[b.length]
}

/**
 * The known word a near miss most likely meant, compared without case: within two edits, or a
 * fifth of the word's length for long words. Undefined when nothing is that close.
 */
export function nearest(word: string, known: readonly string[]): string | undefined {
  const lower = word.toLowerCase()
  let best: {k: string; d: number} | undefined
  for (const k of known) {
    const d = distance(lower, k.toLowerCase())
    if (d <= Math.max(2, Math.floor(k.length / 5)) && (!best || d < best.d)) best = {k, d}
  }
  return best?.k
}
