/**
 * Reply and quote emails (issue 15, item 2): what an author asked for. Only an author whose
 * sign-in carries an email address (the token's `email` claim) can ask; the address is kept
 * with the choice, and follows the token each time the author sets it.
 */
import type { Viewer } from '../auth.js';
import type { Database } from '../db.js';
import type { DigestFrequency } from '../generated/prisma/client.js';
import { ensureAuthor } from './authors.js';
import { ValidationError } from './errors.js';

export interface NotificationChoice {
  replies: boolean;
  quotes: boolean;
  digest: DigestFrequency;
}

export async function setNotificationPreferences(db: Database, viewer: Viewer, choice: NotificationChoice, now = new Date()) {
  if (!viewer.email) {
    throw new ValidationError('email', 'Your sign-in carries no email address, so there is nowhere to send notifications.');
  }
  const email = viewer.email;
  return db.writeTransaction(
    async (tx) => {
      const author = await ensureAuthor(tx, viewer);
      await tx.notificationPreference.upsert({
        where: { authorId: author.id },
        create: { authorId: author.id, email, ...choice, updatedAt: now },
        update: { email, ...choice, updatedAt: now },
      });
      // Turned off: what waits unsent for that kind goes.
      const off = [...(choice.replies ? [] : (['REPLY'] as const)), ...(choice.quotes ? [] : (['QUOTE'] as const))];
      if (off.length > 0) await tx.emailNotification.deleteMany({ where: { recipientId: author.id, sentAt: null, kind: { in: off } } });
      return author.id;
    },
    // The author's own settings: nothing any cached answer shows.
    { scope: 'none' },
  );
}
