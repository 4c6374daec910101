/**
 * Long-lived connections per client address: WebSockets and Server-Sent Event streams count
 * together against one cap, so that no address can hold more of the server's sockets by
 * switching transports.
 */
export class StreamsPerAddress {
  readonly #open = new Map<string, number>();

  constructor(readonly max: number) {}

  /** Takes a slot for `address`; false when it holds `max` already. */
  acquire(address: string): boolean {
    const open = this.#open.get(address) ?? 0;
    if (open >= this.max) return false;
    this.#open.set(address, open + 1);
    return true;
  }

  release(address: string): void {
    const left = (this.#open.get(address) ?? 1) - 1;
    if (left > 0) this.#open.set(address, left);
    else this.#open.delete(address);
  }

  /** Open streams of one address. */
  count(address: string): number {
    return this.#open.get(address) ?? 0;
  }
}
