/**
 * The last line of defence: an execution may produce at most `limit` bytes of response. The
 * static limits (cost, nodes) bound how many values a request can ask for; this bounds what
 * they weigh, since one comment may hold 5,000 characters and another 50.
 *
 * Every resolved field charges its JSON weight (its response key, and the text of a string),
 * and connections charge the text of the rows they load before loading the next batch. The
 * first charge past the limit aborts the execution (the executor stops at its next field) and
 * the response becomes a single RESPONSE_TOO_LARGE error: nothing produced so far is sent or
 * kept. A subscription's budget is per event.
 */
import type { Plugin } from '@envelop/core';
import {
  defaultFieldResolver,
  type ExecutionResult,
  GraphQLError,
  type GraphQLFieldResolver,
  type GraphQLSchema,
  isObjectType,
} from 'graphql';

export class ResponseBudget {
  #produced = 0;
  #loaded = 0;
  #exceeded = false;
  readonly #controller = new AbortController();
  readonly error: GraphQLError;

  constructor(readonly limit: number) {
    this.error = new GraphQLError(
      `This request would read or return more than ${limit} bytes. Ask for fewer fields or smaller pages (Article.thread pages through a large thread).`,
      { extensions: { code: 'RESPONSE_TOO_LARGE', limit } },
    );
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  get exceeded(): boolean {
    return this.#exceeded;
  }

  /** Bytes of text that can still be loaded before the budget is spent. */
  get loadable(): number {
    return Math.max(0, this.limit - this.#loaded);
  }

  /** Bytes of response produced. */
  produce(bytes: number): void {
    this.#produced += bytes;
    if (this.#produced > this.limit) this.#exceed();
  }

  /** Bytes of text loaded for the response: a connection stops loading once they pass the limit. */
  load(bytes: number): void {
    this.#loaded += bytes;
    if (this.#loaded > this.limit) this.#exceed();
  }

  /** A subscription's next event starts afresh (a subscription never hands the executor the signal). */
  reset(): void {
    this.#produced = 0;
    this.#loaded = 0;
    this.#exceeded = false;
  }

  #exceed(): never {
    this.#exceeded = true;
    if (!this.#controller.signal.aborted) this.#controller.abort(this.error);
    throw this.error;
  }
}

const budgets = new WeakMap<object, ResponseBudget>();

/** The budget of the execution `context` belongs to; undefined outside one (in-process calls). */
export const budgetOf = (context: object): ResponseBudget | undefined => budgets.get(context);

/** The JSON weight of a value a field resolved to, without its children (they charge themselves). */
function weigh(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return Buffer.byteLength(value, 'utf8') + 2;
    case 'number':
    case 'bigint':
      return 12;
    case 'boolean':
      return 5;
    case 'object':
      if (value === null) return 4;
      if (Array.isArray(value)) return 2 + value.length;
      // A Date serialises as an ISO string; anything else is an object whose fields charge themselves.
      return value instanceof Date ? 26 : 2;
    default:
      return 4;
  }
}

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';

/**
 * Wraps every field's resolver (introspection aside) to charge what it produces to the
 * execution's budget. Subscription root fields resolve once per event: they start a new budget.
 */
export function chargeResponses(schema: GraphQLSchema): void {
  const subscription = schema.getSubscriptionType();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    const perEvent = type === subscription;
    for (const field of Object.values(type.getFields())) {
      const resolve: GraphQLFieldResolver<unknown, object> = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, context, info) => {
        const budget = budgets.get(context);
        if (budget === undefined) return resolve(source, args, context, info);
        if (perEvent) budget.reset();
        if (budget.exceeded) throw budget.error;
        const key = typeof info.path.key === 'string' ? info.path.key.length + 4 : 0;
        const value = resolve(source, args, context, info);
        if (isThenable(value)) {
          return Promise.resolve(value).then((settled) => {
            budget.produce(key + weigh(settled));
            return settled;
          });
        }
        budget.produce(key + weigh(value));
        return value;
      };
    }
  }
}

/** The response that replaces an execution that went over its budget. */
const tooLarge = (budget: ResponseBudget): ExecutionResult => ({ errors: [budget.error] });

/**
 * Gives every execution a budget of `limit` bytes, and stops it when it is spent: the executor
 * is handed the budget's abort signal, and the result is replaced by the RESPONSE_TOO_LARGE error.
 */
export function useResponseBudget(limit: number): Plugin {
  const begin = (args: { contextValue: unknown }) => {
    const budget = new ResponseBudget(limit);
    budgets.set(args.contextValue as object, budget);
    return budget;
  };
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const budget = begin(args);
      // The executor checks the signal between fields: a spent budget stops it there.
      const withSignal = args as typeof args & { signal?: AbortSignal };
      withSignal.signal = withSignal.signal ? AbortSignal.any([withSignal.signal, budget.signal]) : budget.signal;
      setExecuteFn(async (executionArgs) => {
        try {
          const result = await executeFn(executionArgs);
          return budget.exceeded ? tooLarge(budget) : result;
        } catch (error) {
          if (budget.exceeded) return tooLarge(budget);
          throw error;
        }
      });
    },
    onSubscribe({ args }) {
      // Per event: an event over the budget becomes the error; the subscription goes on.
      const budget = begin(args);
      return {
        onSubscribeResult: () => ({
          onNext: ({ result, setResult }) => {
            if (budget.exceeded || result.errors?.some((error) => error.extensions?.code === 'RESPONSE_TOO_LARGE')) {
              setResult({ ...tooLarge(budget), extensions: result.extensions });
            }
          },
        }),
      };
    },
  };
}
