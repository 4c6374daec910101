/**
 * Runs the configured spam checkers on a comment (issue 14, item 6).
 */
import type { SpamCheckInput, SpamChecker, SpamVerdict } from './akismet.js';

export interface CommentCheckInput extends SpamCheckInput {
  authorId: number | null;
  articleId: number;
}

/** Every checker at once, within `timeoutMs`: any SPAM is SPAM; else any failure or timeout is UNKNOWN; else HAM. */
export async function checkComment(
  checkers: readonly SpamChecker[],
  input: CommentCheckInput,
  { timeoutMs }: { timeoutMs: number },
): Promise<SpamVerdict> {
  if (checkers.length === 0) return { verdict: 'HAM' };
  const timeout = (): Promise<SpamVerdict> =>
    new Promise((resolve) =>
      setTimeout(() => resolve({ verdict: 'UNKNOWN', reason: `no answer within ${timeoutMs} ms` }), timeoutMs).unref(),
    );
  const verdicts = await Promise.all(
    checkers.map((checker) =>
      Promise.race([checker.check(input).catch((error: Error): SpamVerdict => ({ verdict: 'UNKNOWN', reason: error.message })), timeout()]),
    ),
  );
  return verdicts.find((v) => v.verdict === 'SPAM') ?? verdicts.find((v) => v.verdict === 'UNKNOWN') ?? { verdict: 'HAM' };
}
