/**
 * The site's pre-moderation settings and an article's override (issue 14, item 3).
 */
import type { DbTx } from '../db.js';
import type { ModerationMode } from '../generated/prisma/client.js';
import { maxBannedTerms, type ModerationRules } from './moderation-rules.js';

type Client = Pick<DbTx, 'article' | 'moderationSettings' | 'bannedTerm'>;

export interface ArticleModeration {
  mode: ModerationMode;
  rules: ModerationRules;
  holdSpam: boolean;
}

/** How the article's new comments are moderated: its own mode or the site's, and the site's rules. */
export async function loadModeration(client: Client, articleId: number): Promise<ArticleModeration> {
  const [article, settings, terms] = await Promise.all([
    client.article.findUnique({ where: { id: articleId }, select: { moderation: true } }),
    client.moderationSettings.findUnique({ where: { id: 1 } }),
    client.bannedTerm.findMany({ select: { pattern: true, action: true }, orderBy: { id: 'asc' }, take: maxBannedTerms }),
  ]);
  return {
    mode: article?.moderation ?? settings?.mode ?? 'RULES',
    rules: { holdFirstComments: settings?.holdFirstComments ?? 0, maxLinks: settings?.maxLinks ?? null, bannedTerms: terms },
    holdSpam: settings?.holdSpam ?? true,
  };
}
