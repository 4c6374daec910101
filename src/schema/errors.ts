import { builder } from '../builder.js';
import {
  BannedError,
  DuplicateCommentError,
  ForbiddenError,
  IdempotencyKeyReusedError,
  NotFoundError,
  RateLimitedError,
  ThreadLockedError,
  type ThreadlineError,
  ValidationError,
} from '../domain/errors.js';

export const ErrorInterface = builder.interfaceRef<ThreadlineError>('Error').implement({
  description: 'A failure the client can act on. Switch on __typename, or on `code`.',
  fields: (t) => ({
    message: t.exposeString('message'),
    code: t.exposeString('code'),
  }),
});

const plain: [new (...args: never[]) => ThreadlineError, string, string][] = [
  [NotFoundError, 'NotFoundError', 'Something the input names does not exist.'],
  [ForbiddenError, 'ForbiddenError', 'The viewer may not do this (or is not signed in).'],
  [ThreadLockedError, 'ThreadLockedError', 'The article does not take comments now.'],
  [DuplicateCommentError, 'DuplicateCommentError', 'The same author posted the same text in the same place a moment ago.'],
  [IdempotencyKeyReusedError, 'IdempotencyKeyReusedError', 'The idempotency key was used before with other input.'],
];
for (const [cls, name, description] of plain) {
  builder.objectType(cls as new (...args: unknown[]) => ThreadlineError, { name, description, interfaces: [ErrorInterface] });
}

builder.objectType(ValidationError, {
  name: 'ValidationError',
  description: 'An input value is not acceptable; `field` names it (for example `body` or `quotes.0.end`).',
  interfaces: [ErrorInterface],
  fields: (t) => ({ field: t.exposeString('field') }),
});

builder.objectType(RateLimitedError, {
  name: 'RateLimitedError',
  description: 'Too many comments too fast; try again after `retryAfterSeconds`.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ retryAfterSeconds: t.exposeInt('retryAfterSeconds') }),
});

builder.objectType(BannedError, {
  name: 'BannedError',
  description: 'An administrator banned the viewer from writing; `until` is when the ban ends (null: no end).',
  interfaces: [ErrorInterface],
  fields: (t) => ({ until: t.expose('until', { type: 'DateTime', nullable: true }) }),
});

/** The errors each kind of write can answer with. */
export const writeErrors = {
  post: [
    ValidationError,
    NotFoundError,
    ForbiddenError,
    ThreadLockedError,
    DuplicateCommentError,
    RateLimitedError,
    IdempotencyKeyReusedError,
    BannedError,
  ],
  edit: [ValidationError, NotFoundError, ForbiddenError, ThreadLockedError, BannedError],
  remove: [ValidationError, NotFoundError, ForbiddenError, BannedError],
  report: [ValidationError, NotFoundError, ForbiddenError, RateLimitedError, BannedError],
  admin: [ValidationError, NotFoundError, ForbiddenError],
};
