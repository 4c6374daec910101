/**
 * Runs the configured spam checkers on a comment about to be posted (issue 14, item 6), outside
 * the write's transaction. They run side by side within one time limit. The verdict:
 * SPAM when any checker says so (named: "akismet: …", "builtin: …"); otherwise UNKNOWN when any
 * failed or did not answer in time, so that the comment is held, never published unchecked;
 * otherwise HAM.
 */
import type { SpamCheckInput, SpamChecker, SpamVerdict } from './akismet.js';

/** What a checker may know of a comment beyond Akismet's fields. */
export interface CommentCheckInput extends SpamCheckInput {
  /** The writer's Author row; null before their first write. */
  authorId: number | null;
  articleId: number;
}

export async function checkComment(
  checkers: readonly SpamChecker[],
  input: CommentCheckInput,
  { timeoutMs }: { timeoutMs: number },
): Promise<SpamVerdict> {
  if (checkers.length === 0) return { verdict: 'HAM' };
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), timeoutMs);
  });
  try {
    const verdicts = await Promise.all(
      checkers.map(async (checker, index): Promise<SpamVerdict> => {
        const name = checker.name ?? `checker ${index + 1}`;
        const answer = await Promise.race([
          checker.check(input).catch((error: unknown): SpamVerdict => ({ verdict: 'UNKNOWN', reason: `${name} failed: ${String(error)}` })),
          late,
        ]);
        if (answer === 'late') return { verdict: 'UNKNOWN', reason: `${name} gave no answer within ${timeoutMs} ms` };
        if (answer.verdict === 'SPAM') return { ...answer, detail: `${name}: ${answer.detail ?? 'spam'}` };
        if (answer.verdict === 'UNKNOWN')
          return { verdict: 'UNKNOWN', reason: answer.reason.startsWith(name) ? answer.reason : `${name}: ${answer.reason}` };
        return answer;
      }),
    );
    return verdicts.find((v) => v.verdict === 'SPAM') ?? verdicts.find((v) => v.verdict === 'UNKNOWN') ?? { verdict: 'HAM' };
  } finally {
    clearTimeout(timer);
  }
}
