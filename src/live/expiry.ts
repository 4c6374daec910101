/**
 * A subscription lives as long as the token it began with: when the token expires, a
 * WebSocket closes with 4403 (src/app.ts) and a Server-Sent Event stream sends an
 * UNAUTHENTICATED error and ends. The client reconnects with a fresh token and resumes
 * with its last cursor.
 */
import type { Plugin } from '@envelop/core';
import { type ExecutionResult, GraphQLError } from 'graphql';
import type { Context } from '../context.js';

/** setTimeout's longest delay; a later time is reached in steps. */
const longestTimeout = 2 ** 31 - 1;

/** Runs `action` at `time` (at once if it has passed); returns the cancel function. */
export function atTime(time: Date, action: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    const wait = time.getTime() - Date.now();
    if (wait <= 0) {
      action();
      return;
    }
    timer = setTimeout(arm, Math.min(wait, longestTimeout));
    timer.unref();
  };
  arm();
  return () => clearTimeout(timer);
}

export const tokenExpiredError = () =>
  new GraphQLError('The token has expired: subscribe again with a fresh token, from your last cursor.', {
    extensions: { code: 'UNAUTHENTICATED' },
  });

/** `results` until `expiresAt`; then one UNAUTHENTICATED error, and the end. */
function untilExpiry(results: AsyncIterable<ExecutionResult>, expiresAt: Date): AsyncIterableIterator<ExecutionResult> {
  const iterator = results[Symbol.asyncIterator]();
  let expired = false;
  let done = false;
  let wake: (() => void) | undefined;
  const cancel = atTime(expiresAt, () => {
    expired = true;
    wake?.();
  });
  const finish = async (): Promise<IteratorResult<ExecutionResult>> => {
    done = true;
    cancel();
    await iterator.return?.();
    return { value: undefined, done: true };
  };
  return {
    async next() {
      if (done) return { value: undefined, done: true };
      if (expired) {
        await finish();
        return { value: { errors: [tokenExpiredError()] }, done: false };
      }
      const expiry = new Promise<'expired'>((resolve) => {
        wake = () => resolve('expired');
      });
      const next = await Promise.race([iterator.next(), expiry]);
      wake = undefined;
      if (next === 'expired') {
        await finish();
        return { value: { errors: [tokenExpiredError()] }, done: false };
      }
      if (next.done) {
        done = true;
        cancel();
      }
      return next;
    },
    return: finish,
    async throw(error) {
      cancel();
      done = true;
      return iterator.throw ? iterator.throw(error) : Promise.reject(error);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

const isAsyncIterable = (value: unknown): value is AsyncIterable<ExecutionResult> =>
  typeof value === 'object' && value !== null && Symbol.asyncIterator in value;

/** Ends Server-Sent Event subscriptions when their token expires (WebSockets close whole: src/app.ts). */
export function useTokenExpiry(): Plugin<Context> {
  return {
    onSubscribe: ({ args }) => ({
      onSubscribeResult: ({ result, setResult }) => {
        const context = args.contextValue as Partial<Context>;
        const expiresAt = context.viewer?.expiresAt;
        if (expiresAt && context.transport === 'http' && isAsyncIterable(result)) setResult(untilExpiry(result, expiresAt));
      },
    }),
  };
}
