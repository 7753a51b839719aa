/**
 * What one capture process has seen of each rate-limit bucket (a form, an address, a clock minute) in the current
 * minute. Most addresses send one submission and never come back, so a process lets an address's first
 * submission through without touching the shared counter, and adds it to the counter with the address's second.
 * That takes the counter off the request path of nearly every real lead, and it costs the limit little: an
 * address gets at most one extra submission a minute per process that saw it exactly once.
 */
export class SubmissionsSeenHere {
  readonly #capacity: number;
  #minute = Number.NaN;
  readonly #counts = new Map<string, number>();

  /**
   * `capacity` bounds the buckets remembered per minute. Past it (a flood from many addresses), a bucket is not
   * remembered, and every submission to it goes to the shared counter. A capacity of 0 remembers nothing.
   */
  constructor(capacity = 10_000) {
    this.#capacity = capacity;
  }

  /**
   * Counts one more submission to `bucket` in clock minute `minute`: how many this process has now seen, 1 for the
   * first; undefined when the bucket is not remembered.
   */
  add(bucket: string, minute: number): number | undefined {
    if (minute !== this.#minute) {
      this.#minute = minute;
      this.#counts.clear();
    }
    const seen = (this.#counts.get(bucket) ?? 0) + 1;
    if (seen === 1 && this.#counts.size >= this.#capacity) return undefined;
    this.#counts.set(bucket, seen);
    return seen;
  }
}

/**
 * How a submission counts against its address's limit, given what this process has seen (`SubmissionsSeenHere.add`):
 * - `first`: let it through, no counter write;
 * - `over`: this process alone has seen more than the limit: refuse it without asking the counter;
 * - a number: add that many hits to the shared counter (2 for the second, which brings the uncounted first along).
 */
export function counterHitsFor(seenHere: number | undefined, limit: number): 'first' | 'over' | 1 | 2 {
  if (seenHere === undefined) return 1;
  if (seenHere > limit) return 'over';
  if (seenHere === 1) return 'first';
  return seenHere === 2 ? 2 : 1;
}
