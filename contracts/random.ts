/**
 * Seeded pseudo-randomness shared by the k6 journeys (behavioural draws), the reference target
 * (fault injection, ministry jitter) and the report (bootstrap). Deterministic, so a run, a fault
 * pattern or a bootstrap range can be replayed; not for anything secret.
 */

/** A source of numbers uniform in [0, 1). */
export type RandomSource = () => number;

/** mulberry32: a 32-bit state generator, small and fast. The same seed gives the same sequence. */
export function seededRandom(seed: number): RandomSource {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * A 32-bit seed from several parts (numbers or text), FNV-1a over their text with a separator
 * after each part, so ("1", "23") and ("12", "3") differ.
 */
export function seedFrom(...parts: ReadonlyArray<number | string>): number {
  let state = 0x811c9dc5;
  for (const part of parts) {
    state = fnv1a(String(part), state);
    state ^= 0x2f;
    state = Math.imul(state, 0x01000193);
  }
  return state >>> 0;
}

/** FNV-1a over the UTF-16 code units of `text`, continuing from `start`. */
export function fnv1a(text: string, start = 0x811c9dc5): number {
  let h = start;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
