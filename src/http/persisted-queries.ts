/**
 * Automatic persisted queries (Apollo's protocol, through Yoga's APQ plugin): a client sends a
 * query's SHA-256 alone, and the query itself only when this instance does not know it yet
 * (PersistedQueryNotFound). Each instance learns the queries its clients send; with several
 * instances, a client at worst sends a query once per instance.
 */
import { type APQStore, useAPQ } from '@graphql-yoga/plugin-apq';
import type { Plugin } from 'graphql-yoga';

/** Queries by hash, least recently used first out, at most `maxChars` characters in all. */
export class PersistedQueries implements APQStore {
  private readonly queries = new Map<string, string>();
  private chars = 0;

  constructor(readonly maxChars: number) {}

  get(hash: string): string | undefined {
    const query = this.queries.get(hash);
    if (query !== undefined) {
      this.queries.delete(hash);
      this.queries.set(hash, query);
    }
    return query;
  }

  set(hash: string, query: string): void {
    if (this.queries.has(hash) || hash.length + query.length > this.maxChars) return;
    this.queries.set(hash, query);
    this.chars += hash.length + query.length;
    for (const [oldest, old] of this.queries) {
      if (this.chars <= this.maxChars) break;
      this.queries.delete(oldest);
      this.chars -= oldest.length + old.length;
    }
  }
}

export const usePersistedQueries = (maxChars: number): Plugin => useAPQ({ store: new PersistedQueries(maxChars) });
