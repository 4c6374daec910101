import { describe, expect, it } from 'vitest';
import type { LiveEvent } from '../../src/domain/events.js';
import { LivePubSub } from '../../src/live/pubsub.js';

const event = (seq: number): LiveEvent => ({ articleId: 1, seq, commentId: seq, path: `${seq}/`, kind: 'ADDED' });

describe('fan-out in slices', () => {
  it('hands an event to one slice of subscribers in the publisher’s turn and to the rest in later turns, each getting every event in order', async () => {
    const pubsub = new LivePubSub(1000, 10);
    const subscriptions = Array.from({ length: 35 }, () => pubsub.subscribe(1));
    const seen = subscriptions.map(() => [] as number[]);
    const received = subscriptions.map(async (subscription, index) => {
      while (seen[index]!.length < 5) seen[index]!.push((await subscription.next()).value.seq);
    });
    for (let seq = 1; seq <= 5; seq++) pubsub.deliver(event(seq));

    // Microtasks only, no new turn of the event loop: just the first slice has event 1.
    for (let tick = 0; tick < 10; tick++) await Promise.resolve();
    expect(seen.map((seqs) => seqs.length > 0)).toEqual(subscriptions.map((_, index) => index < 10));

    await Promise.all(received);
    for (const seqs of seen) expect(seqs).toEqual([1, 2, 3, 4, 5]);
    for (const subscription of subscriptions) subscription.close();
    expect(pubsub.listenerCount).toBe(0);
  });

  it('delivers to a small audience at once, as before', async () => {
    const pubsub = new LivePubSub(1000, 10);
    const subscription = pubsub.subscribe(1);
    pubsub.deliver(event(1));
    expect((await subscription.next()).value.seq).toBe(1);
    subscription.close();
  });
});
