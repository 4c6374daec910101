/**
 * Reply and quote emails (issue 15, item 2), sent by the worker from the notifications the
 * outbox made: one email per notification, or one daily digest per author who asked for it.
 * Each email carries a one-click unsubscribe (RFC 8058): `List-Unsubscribe` names a signed URL
 * that needs no sign-in, and `List-Unsubscribe-Post` tells mail clients to POST to it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Transporter } from 'nodemailer';
import type { Database } from '../db.js';
import type { NotificationKind } from '../generated/prisma/client.js';
import { commentUrl } from './outbox.js';
import { retryDelayMs } from './webhooks.js';

export interface MailSettings {
  /** The sender (THREADLINE_MAIL_FROM). */
  from: string;
  /** The site's public origin, for links (THREADLINE_PUBLIC_URL). */
  publicUrl: string;
  /** A digest goes out once its oldest notification is this old. */
  digestEveryMs: number;
  /** Retries of a failed send, as for webhooks; after `retryForMs` the notification is dropped. */
  retryBaseMs: number;
  maxDelayMs: number;
  retryForMs: number;
}

export const defaultMailSettings: Omit<MailSettings, 'publicUrl'> = {
  from: 'Threadline <threadline@localhost>',
  digestEveryMs: 24 * 3_600_000,
  retryBaseMs: 60_000,
  maxDelayMs: 3_600_000,
  retryForMs: 24 * 3_600_000,
};

/** Emails' unsubscribe links are signed with a key of their own, derived from the server's secret. */
export const unsubscribeKey = (secret: Uint8Array) => createHmac('sha256', secret).update('threadline:unsubscribe:v1').digest();

const unsubscribeMac = (key: Buffer, authorId: number) => createHmac('sha256', key).update(`unsubscribe:${authorId}`).digest('base64url');

/** The path of the author's one-click unsubscribe: valid until the key changes, needing no sign-in. */
export const unsubscribePath = (key: Buffer, authorId: number) =>
  `/notifications/unsubscribe?author=${authorId}&sig=${unsubscribeMac(key, authorId)}`;

/** The author a signed unsubscribe link names, or null when its signature does not hold. */
export function verifyUnsubscribe(key: Buffer, author: string | null, sig: string | null): number | null {
  if (author === null || sig === null || !/^[1-9]\d{0,9}$/.test(author)) return null;
  const authorId = Number(author);
  const expected = Buffer.from(unsubscribeMac(key, authorId));
  const given = Buffer.from(sig);
  return given.length === expected.length && timingSafeEqual(given, expected) ? authorId : null;
}

/** How long a claimed notification stays this instance's while its email is being sent. */
const leaseMs = 120_000;

const excerpt = (body: string, chars = 280) => {
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length > chars ? `${flat.slice(0, chars - 1)}…` : flat;
};

interface Claimed {
  id: number;
  kind: NotificationKind;
  createdAt: Date;
  attemptCount: number;
  comment: {
    number: number;
    body: string;
    deletedAt: Date | null;
    hiddenAt: Date | null;
    status: string;
    author: { name: string };
    article: { slug: string; title: string };
  };
}

/**
 * Sends what is due, at most `batch` notifications' worth; answers how many emails went out.
 * Notifications of authors who since turned that kind off, or removed their email, are dropped.
 */
export async function sendDueEmails(
  db: Database,
  transport: Transporter,
  settings: MailSettings,
  key: Buffer,
  now = new Date(),
  batch = 50,
) {
  const due = await db.reader.emailNotification.findMany({
    where: { sentAt: null, failedAt: null, nextAttemptAt: { lte: now }, OR: [{ lockedUntil: null }, { lockedUntil: { lt: now } }] },
    orderBy: { id: 'asc' },
    take: batch,
    select: { id: true, recipientId: true },
  });
  const recipients = [...new Set(due.map((row) => row.recipientId))];
  let sent = 0;
  for (const recipientId of recipients) {
    const preference = await db.reader.notificationPreference.findUnique({ where: { authorId: recipientId } });
    const mine = due.filter((row) => row.recipientId === recipientId).map((row) => row.id);
    if (!preference) {
      await db.writer.emailNotification.deleteMany({ where: { id: { in: mine }, sentAt: null } });
      continue;
    }
    if (preference.digest === 'DAILY') {
      const oldest = await db.reader.emailNotification.findFirst({
        where: { recipientId, sentAt: null, failedAt: null },
        orderBy: { createdAt: 'asc' },
        select: { createdAt: true },
      });
      const dueAt = (oldest?.createdAt.getTime() ?? now.getTime()) + settings.digestEveryMs;
      if (dueAt > now.getTime()) {
        // Not looked at again before the digest is due.
        await db.writer.emailNotification.updateMany({
          where: { recipientId, sentAt: null, failedAt: null },
          data: { nextAttemptAt: new Date(dueAt) },
        });
        continue;
      }
      const pending = await db.reader.emailNotification.findMany({
        where: { recipientId, sentAt: null, failedAt: null },
        orderBy: { id: 'asc' },
        take: 100,
        select: { id: true },
      });
      mine.splice(0, mine.length, ...pending.map((row) => row.id));
    }
    const claimed: Claimed[] = [];
    for (const id of mine) {
      // The clock now, not the round's start: sends before this one took their time.
      const claimedAt = new Date();
      const { count } = await db.writer.emailNotification.updateMany({
        where: { id, sentAt: null, failedAt: null, OR: [{ lockedUntil: null }, { lockedUntil: { lt: claimedAt } }] },
        data: { lockedUntil: new Date(claimedAt.getTime() + leaseMs) },
      });
      if (count === 0) continue;
      claimed.push(
        await db.reader.emailNotification.findUniqueOrThrow({
          where: { id },
          select: {
            id: true,
            kind: true,
            createdAt: true,
            attemptCount: true,
            comment: {
              select: {
                number: true,
                body: true,
                deletedAt: true,
                hiddenAt: true,
                status: true,
                author: { select: { name: true } },
                article: { select: { slug: true, title: true } },
              },
            },
          },
        }),
      );
    }
    // A comment moderators removed since (or its author deleted) is nobody's news any more.
    const wanted = claimed.filter(
      (n) =>
        (n.kind === 'REPLY' ? preference.replies : preference.quotes) &&
        n.comment.deletedAt === null &&
        n.comment.hiddenAt === null &&
        n.comment.status === 'PUBLISHED',
    );
    const dropped = claimed.filter((n) => !wanted.includes(n)).map((n) => n.id);
    if (dropped.length > 0) await db.writer.emailNotification.deleteMany({ where: { id: { in: dropped } } });
    if (wanted.length === 0) continue;
    const groups = preference.digest === 'DAILY' ? [wanted] : wanted.map((n) => [n]);
    for (const group of groups) {
      const ids = group.map((n) => n.id);
      try {
        await transport.sendMail(compose(group, preference.email, recipientId, settings, key));
        await db.writer.emailNotification.updateMany({ where: { id: { in: ids } }, data: { sentAt: new Date(), lockedUntil: null } });
        sent++;
      } catch {
        for (const n of group) {
          const attempts = n.attemptCount + 1;
          const next = new Date(now.getTime() + retryDelayMs(attempts, settings));
          const givenUp = next.getTime() > n.createdAt.getTime() + settings.retryForMs;
          await db.writer.emailNotification.update({
            where: { id: n.id },
            data: { attemptCount: attempts, lockedUntil: null, ...(givenUp ? { failedAt: now } : { nextAttemptAt: next }) },
          });
        }
      }
    }
  }
  return sent;
}

function compose(group: Claimed[], to: string, authorId: number, settings: MailSettings, key: Buffer) {
  const unsubscribe = `${settings.publicUrl}${unsubscribePath(key, authorId)}`;
  const line = (n: Claimed) =>
    `${n.comment.author.name} ${n.kind === 'REPLY' ? 'replied to' : 'quoted'} your comment on “${n.comment.article.title}”`;
  const entry = (n: Claimed) =>
    `${line(n)}:\n\n  ${excerpt(n.comment.body)}\n\n${commentUrl(settings.publicUrl, n.comment.article.slug, n.comment.number)}\n`;
  const first = group[0]!;
  const subject = group.length === 1 ? line(first) : `${group.length} replies and quotes of your comments`;
  const footer = `\n--\nYou get these because you asked for reply and quote emails. Stop them: ${unsubscribe}\n`;
  return {
    from: settings.from,
    to,
    subject,
    text: `${group.map(entry).join('\n')}${footer}`,
    headers: {
      'List-Unsubscribe': `<${unsubscribe}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
  };
}
