/**
 * One execution per event and audience. Subscribers that would receive the same answer (same
 * article, operation and variables but the resume cursor, and the same audience: public,
 * moderators or administrators) form a group. The group runs one subscription through the
 * app's whole pipeline (plugins, masking, budgets, cursors), serialises each answer once
 * (`SharedAnswer`) and hands the same bytes to every member's transport (`Outlet`).
 *
 * A subscriber first catches up on its own: it replays the log after its cursor through its
 * own pipeline, as any subscription did before groups, until it stands where the group stands;
 * then it joins, in the same turn of the event loop, and from there on receives the group's
 * answers. Each member remembers the last sequence number it was sent, so nothing arrives
 * twice however the two meet; the group fills gaps from the log for everyone at once.
 *
 * With several instances, each runs its own groups: once per group per instance.
 */
import { GraphQLError, type DocumentNode, type ExecutionResult } from 'graphql';
import type { Viewer } from '../auth.js';
import type { Database } from '../db.js';
import type { LiveEvent } from '../domain/events.js';
import { type Outlet, SharedAnswer } from './outlets.js';
import { type LivePubSub, type LiveSubscription, SubscriberOverflowError } from './pubsub.js';
import { articleEvents, currentSeq, logged } from './stream.js';

/** Runs a subscription through the app's pipeline for `viewer`, its root field answering `source`. */
export type RunSubscription = (args: {
  document: DocumentNode;
  operationName: string | undefined;
  variableValues: Record<string, unknown> | undefined;
  viewer: Viewer | null;
  source: AsyncIterableIterator<LiveEvent>;
}) => Promise<AsyncIterable<ExecutionResult> | ExecutionResult>;

/** What makes a group, and what it executes: the first member's operation, for its audience. */
export interface GroupSpec {
  /** The article, the operation, its variables but the cursor, and the audience, as one string. */
  key: string;
  articleId: number;
  accept: (event: LiveEvent) => boolean;
  document: DocumentNode;
  operationName: string | undefined;
  variableValues: Record<string, unknown> | undefined;
  /** Stands for the audience: null for the public, else a moderator or administrator (without token expiry). */
  viewer: Viewer | null;
}

const isAsyncIterable = (value: unknown): value is AsyncIterable<ExecutionResult> =>
  typeof value === 'object' && value !== null && Symbol.asyncIterator in value;

/** What a failed group tells its members: its own GraphQL errors as they are, anything else masked. */
function failureOf(error: unknown): Error {
  if (error instanceof GraphQLError || error instanceof SubscriberOverflowError) return error;
  return new GraphQLError('Unexpected error.', { extensions: { code: 'INTERNAL_SERVER_ERROR' }, originalError: error as Error });
}

/** A joined subscriber: its transport and the last event it was sent. */
interface Member {
  readonly outlet: Outlet;
  last: number;
}

class Group {
  /** Subscriptions using the group: those catching up, and the members. */
  holders = 0;
  readonly members = new Set<Member>();
  /** The last event the group has handled: sent to its members, or found not to concern them. */
  last = 0;
  failure: Error | null = null;
  readonly ready: Promise<void>;
  readonly #source: LiveSubscription;
  #results: AsyncIterator<ExecutionResult> | null = null;
  /** The event whose answer the pipeline is computing. */
  #executing = 0;
  #closed = false;
  /** Whether the group knows where it stands in the log: until then it counts as no listener. */
  #positioned = false;

  constructor(
    readonly spec: GroupSpec,
    readonly groups: LiveGroups,
  ) {
    this.#source = groups.pubsub.subscribe(
      spec.articleId,
      () => this.fail(new SubscriberOverflowError(groups.pubsub.maxQueue)),
      // Counted as listening once its position is fixed: an event committed after that reaches it.
      () => (this.#positioned ? this.holders : 0),
    );
    this.ready = this.#start();
    // Members await `ready` themselves; a group nobody awaits must not crash the process.
    this.ready.catch(() => {});
  }

  async #start(): Promise<void> {
    try {
      await this.#source.ready;
      this.last = await currentSeq(this.groups.db, this.spec.articleId);
      this.#positioned = true;
      if (this.#closed) return;
      const { document, operationName, variableValues, viewer } = this.spec;
      const result = await this.groups.run({ document, operationName, variableValues, viewer, source: this.#events() });
      if (!isAsyncIterable(result)) {
        throw result.errors?.[0] ?? new GraphQLError('The subscription did not start.', { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
      }
      this.#results = result[Symbol.asyncIterator]();
      if (this.#closed) {
        void this.#results.return?.();
        return;
      }
      void this.#pump();
    } catch (error) {
      this.fail(error);
      throw this.failure;
    }
  }

  /** The events the group's subscription answers: live ones in order, gaps filled from the log. */
  async *#events(): AsyncGenerator<LiveEvent> {
    const { db } = this.groups;
    const { articleId, accept } = this.spec;
    for await (const event of this.#source) {
      if (event.seq <= this.last) continue;
      const missed = event.seq > this.last + 1 ? logged(db, articleId, this.last, event.seq - 1) : null;
      if (missed) {
        for await (const earlier of missed) {
          if (accept(earlier)) {
            this.#executing = earlier.seq;
            yield earlier;
          } else this.last = earlier.seq;
        }
      }
      if (accept(event)) {
        this.#executing = event.seq;
        yield event;
      } else this.last = event.seq;
    }
  }

  async #pump(): Promise<void> {
    const results = this.#results!;
    try {
      for (;;) {
        const next = await results.next();
        if (next.done) break;
        const sending = this.#send(new SharedAnswer(next.value), this.#executing);
        if (sending) await sending;
      }
      // The source ended: the group was closed, or its pubsub subscription was.
      if (!this.#closed) this.fail(new SubscriberOverflowError(this.groups.pubsub.maxQueue));
    } catch (error) {
      this.fail(error);
    }
  }

  /**
   * Hands one answer to every member that has not had its event, in slices of the pubsub's
   * `fanOutSlice` per turn of the event loop, so that requests are answered in between.
   * Members who join meanwhile caught up past this event themselves and are skipped.
   */
  #send(answer: SharedAnswer, seq: number): Promise<void> | undefined {
    this.last = seq;
    const members = this.members.values();
    const slice = this.groups.pubsub.fanOutSlice;
    const sendSlice = (): boolean => {
      for (let sent = 0; sent < slice; sent++) {
        const next = members.next();
        if (next.done) return true;
        const member = next.value;
        if (member.last >= seq) continue;
        member.last = seq;
        if (!member.outlet.send(answer)) this.#overflow(member);
      }
      return false;
    };
    if (sendSlice()) return undefined;
    return new Promise((resolve) => {
      const later = () => (sendSlice() ? resolve() : setImmediate(later));
      setImmediate(later);
    });
  }

  #overflow(member: Member): void {
    this.members.delete(member);
    member.outlet.end(new SubscriberOverflowError(this.groups.pubsub.maxQueue));
    this.release();
  }

  /**
   * A subscriber that stands at `last` (at or past the group's own `last`) joins: synchronous,
   * so no event falls between. Its hold on the group passes to its membership, which its
   * transport ends (`leave`) when the client goes.
   */
  join(outlet: Outlet, last: number): void {
    const member: Member = { outlet, last };
    this.members.add(member);
    outlet.join(() => {
      if (this.members.delete(member)) this.release();
    });
  }

  /** Ends every member with `error` and the group with them; later subscribers start a new group. */
  fail(error: unknown): void {
    if (this.failure || this.#closed) return;
    this.failure = failureOf(error);
    this.groups.forget(this);
    // A group more than its queue behind leaves every member that far behind: each is told so as a slow subscriber is.
    const members = [...this.members];
    this.members.clear();
    for (const { outlet } of members) outlet.end(this.failure);
    this.#close();
  }

  release(): void {
    this.holders--;
    if (this.holders > 0) return;
    this.groups.forget(this);
    this.#close();
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // The source first: it ends the wait of the group's own subscription, which then returns.
    this.#source.close();
    void this.#results?.return?.();
  }
}

/** This app's groups, by key. */
export class LiveGroups {
  readonly #groups = new Map<string, Group>();

  constructor(
    readonly db: Database,
    readonly pubsub: LivePubSub,
    readonly run: RunSubscription,
  ) {}

  /** Groups running now. */
  get size(): number {
    return this.#groups.size;
  }

  /** Subscribers that joined a group (not those catching up, nor those that went on alone). */
  get memberCount(): number {
    let count = 0;
    for (const group of this.#groups.values()) count += group.members.size;
    return count;
  }

  forget(group: Group): void {
    if (this.#groups.get(group.spec.key) === group) this.#groups.delete(group.spec.key);
  }

  #acquire(spec: GroupSpec): Group {
    let group = this.#groups.get(spec.key);
    if (!group) {
      group = new Group(spec, this);
      this.#groups.set(spec.key, group);
    }
    group.holders++;
    return group;
  }

  /**
   * One subscriber's events, from after `afterSeq` (or from where its group stands): those it
   * must catch up on are yielded here, to run through its own pipeline; once level with its
   * group it joins it and this iterator ends. From then on the group's answers go straight to
   * `outlet`, which its transport keeps instead of the pipeline (src/live/socket-server.ts,
   * src/live/sse.ts): an idle subscriber holds little more than its outlet.
   */
  subscribe(spec: GroupSpec, afterSeq: number | null, outlet: Outlet, onOverflow?: () => void): AsyncIterableIterator<LiveEvent> {
    const { db } = this;
    let group: Group | null = null;
    let joined = false;
    let alone: AsyncIterableIterator<LiveEvent> | null = null;
    let stopped = false;
    const events = async function* (this: LiveGroups): AsyncGenerator<LiveEvent> {
      group = this.#acquire(spec);
      try {
        await group.ready;
        // Without a cursor, a subscriber starts where its group stands: no statement of its own.
        let last = afterSeq ?? group.last;
        while (last < group.last && !group.failure && !stopped) {
          for await (const event of logged(db, spec.articleId, last, group.last)) {
            last = event.seq;
            if (spec.accept(event)) yield event;
          }
        }
        if (group.failure) {
          if (group.failure instanceof SubscriberOverflowError) outlet.end(group.failure);
          throw group.failure;
        }
        if (stopped) return;
        if (!outlet.attached) {
          // A transport that takes no shared answers: this subscriber goes on alone.
          alone = articleEvents(db, this.pubsub, spec.articleId, last, spec.accept, onOverflow);
          group.release();
          group = null;
          yield* alone;
          return;
        }
        group.join(outlet, last);
        joined = true;
      } finally {
        if (!joined) group?.release();
      }
    }.call(this);
    const stop = () => {
      stopped = true;
      if (joined) outlet.stop();
      void alone?.return?.();
    };
    return {
      next: () => events.next(),
      return: (value?: unknown) => {
        stop();
        return events.return(value as undefined);
      },
      throw: (error?: unknown) => {
        stop();
        return events.throw(error);
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }
}
