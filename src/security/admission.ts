/**
 * Heavy requests take turns. Node runs one request's JavaScript at a time, so a client that
 * sends many large queries at once would make every other client wait behind them. A query
 * whose measured size (src/security/cost.ts) is large runs only when one of `slots` is free;
 * small queries never wait here. Heavy clients then slow each other, not everyone: a small
 * query shares the process with at most `slots` heavy ones. Past `queue` waiting, a heavy
 * query is refused at once (503, retryable) rather than held.
 */
import { GraphQLError } from 'graphql';

export class HeavyRequestGate {
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(
    readonly slots: number,
    readonly queue: number,
  ) {}

  /**
   * Runs `work` once a slot is free; throws SERVER_BUSY when too many are waiting. On SQLite a
   * query runs synchronously, so one heavy request after another would go on in promise
   * callbacks without ever returning to the event loop: a turn starts only after the loop has
   * read what other clients sent (setImmediate), and a small request gets in between.
   */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#running >= this.slots) {
      if (this.#waiting.length >= this.queue) throw busy();
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#running++;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    try {
      return await work();
    } finally {
      const next = this.#waiting.shift();
      // The slot passes to the next in line, after the event loop's turn.
      if (next) setImmediate(next);
      else this.#running--;
    }
  }
}

export const busy = () =>
  new GraphQLError('The server is busy with large queries; retry in a moment, or ask for smaller pages.', {
    extensions: { code: 'SERVER_BUSY', retryable: true, http: { status: 503, headers: { 'retry-after': '1' } } },
  });
