/**
 * A loader that runs on first call and shares its promise with every later call; a failed load is forgotten,
 * so the next call tries again instead of repeating the failure.
 */
export function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => {
    loaded ??= load().catch((err: unknown) => {
      loaded = undefined;
      throw err;
    });
    return loaded;
  };
}
