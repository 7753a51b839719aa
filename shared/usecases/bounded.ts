/**
 * Runs `work` over `items` with at most `concurrency` in flight; the first failure stops new work and is rethrown once
 * the rest settle. An aborted `signal` stops new work too, and the items started finish. Returns how many were
 * started: always the first ones, in order.
 */
export async function forEachBounded<Item>(items: readonly Item[], concurrency: number, work: (item: Item) => Promise<void>, signal?: AbortSignal): Promise<number> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && !signal?.aborted && next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  if (failure) throw failure.error;
  return next;
}

/** `forEachBounded` that keeps each item's result, in the items' order. */
export async function mapBounded<Item, Result>(items: readonly Item[], concurrency: number, map: (item: Item) => Promise<Result>): Promise<Result[]> {
  const results: Result[] = new Array(items.length);
  await forEachBounded(items.map((item, index) => ({ item, index })), concurrency, async ({ item, index }) => {
    results[index] = await map(item);
  });
  return results;
}
