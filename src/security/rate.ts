/**
 * At most `max` actions per key in any `windowMs`, counted in this process: a brake on one
 * client's flood of cheap writes (reactions), not an accounting. Several instances each allow
 * `max`. Memory is bounded: past `maxKeys` keys, those whose window has passed are dropped,
 * and if none has, the oldest.
 */
export class WindowLimiter {
  readonly #times = new Map<string, number[]>();

  constructor(
    readonly max: number,
    readonly windowMs: number,
    readonly maxKeys = 100_000,
  ) {}

  /** Counts an action of `key` now; null when it may go ahead, else the seconds until it may. */
  take(key: string, now = Date.now()): number | null {
    const since = now - this.windowMs;
    const times = (this.#times.get(key) ?? []).filter((time) => time > since);
    if (times.length >= this.max) {
      this.#times.set(key, times);
      return Math.max(1, Math.ceil((times[0]! + this.windowMs - now) / 1000));
    }
    times.push(now);
    this.#times.delete(key);
    this.#times.set(key, times);
    if (this.#times.size > this.maxKeys) this.#prune(since);
    return null;
  }

  #prune(since: number): void {
    for (const [key, times] of this.#times) if (times[times.length - 1]! <= since) this.#times.delete(key);
    // Map order is insertion order, and `take` re-inserts on use: the first key is the least recent.
    while (this.#times.size > this.maxKeys) this.#times.delete(this.#times.keys().next().value!);
  }
}
