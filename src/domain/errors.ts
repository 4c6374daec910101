/**
 * Failures a client can act on. The schema turns each into a typed member of a mutation's
 * payload union (plugin-errors); anything else is a bug and reaches clients masked.
 */
export abstract class ThreadlineError extends Error {
  abstract readonly code: string;
}

export class ValidationError extends ThreadlineError {
  override name = 'ValidationError';
  readonly code = 'VALIDATION_FAILED';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export class NotFoundError extends ThreadlineError {
  override name = 'NotFoundError';
  readonly code = 'NOT_FOUND';
}

export class ForbiddenError extends ThreadlineError {
  override name = 'ForbiddenError';
  readonly code = 'FORBIDDEN';
}

export class ThreadLockedError extends ThreadlineError {
  override name = 'ThreadLockedError';
  readonly code = 'THREAD_LOCKED';
  constructor() {
    super('Comments on this article are locked.');
  }
}

export class DuplicateCommentError extends ThreadlineError {
  override name = 'DuplicateCommentError';
  readonly code = 'DUPLICATE_COMMENT';
  constructor(readonly existingCommentId: number) {
    super('You already posted this comment here a moment ago.');
  }
}

export class RateLimitedError extends ThreadlineError {
  override name = 'RateLimitedError';
  readonly code = 'RATE_LIMITED';
  constructor(
    readonly retryAfterSeconds: number,
    what = 'commenting',
  ) {
    super(`You are ${what} too fast; try again in ${retryAfterSeconds} s.`);
  }
}

export class IdempotencyKeyReusedError extends ThreadlineError {
  override name = 'IdempotencyKeyReusedError';
  readonly code = 'IDEMPOTENCY_KEY_REUSED';
  constructor() {
    super('This idempotency key was already used for a different comment.');
  }
}

export class BannedError extends ThreadlineError {
  override name = 'BannedError';
  readonly code = 'BANNED';
  /** When the ban ends; null for a ban without end. */
  constructor(readonly until: Date | null) {
    super(until ? `You are banned from commenting until ${until.toISOString()}.` : 'You are banned from commenting.');
  }
}

export class PinLimitError extends ThreadlineError {
  override name = 'PinLimitError';
  readonly code = 'PIN_LIMIT';
  constructor(readonly limit: number) {
    super(`An article has at most ${limit} pinned comments; unpin one first.`);
  }
}
