// No "server-only" marker: plain process state, usable from any server module.

const registry = globalThis as unknown as { sluiceSingletons?: Map<string, unknown> };

/**
 * A process-wide lazy instance: `create` runs on the first call only, and the instance is kept on
 * globalThis so Next's dev reloads (which re-evaluate modules) do not multiply connections and clients.
 */
export function singleton<T>(name: string, create: () => T): () => T {
  return () => {
    const instances = (registry.sluiceSingletons ??= new Map());
    if (!instances.has(name)) instances.set(name, create());
    return instances.get(name) as T;
  };
}
