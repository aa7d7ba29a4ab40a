/**
 * Saves still on their way to the server, across the whole tab: an editor that unmounts (in-app
 * navigation) hands its last save here, and whatever must see that save (reopening the draft, signing
 * out) waits for it first.
 */
const pending = new Set<Promise<unknown>>();

/** Keeps `save` pending until it settles; returns it. */
export function trackSave<T>(save: Promise<T>): Promise<T> {
  pending.add(save);
  const done = () => void pending.delete(save);
  save.then(done, done);
  return save;
}

/** Resolves once every tracked save has settled (including saves started while waiting). */
export async function pendingSavesSettled(): Promise<void> {
  while (pending.size > 0) await Promise.allSettled([...pending]);
}
