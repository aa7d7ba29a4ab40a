/**
 * 32-bit FNV-1a over the UTF-16 code units of a string. Not cryptographic: used only to spread keys
 * into buckets (hot-key salting), to derive PRNG seeds and to name a topic in the runner's fence
 * numbers (base 36, persisted in checkpoints: it must never change), where speed and stability across
 * runtimes matter and adversarial inputs do not.
 */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
