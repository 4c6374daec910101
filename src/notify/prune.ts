/**
 * Deliveries and emails are kept for `retentionDays` after they were made (an administrator
 * reads `webhookDeliveries` to see what an endpoint was sent and answered), then dropped, a
 * thousand at a time, so that neither table grows without end.
 */
import type { Database } from '../db.js';

export const notificationRetentionDays = 30;
const chunk = 1000;

/** Drops finished deliveries (with their attempts) and emails older than the retention, sent or not; answers how many. */
export async function pruneNotifications(db: Database, retentionDays = notificationRetentionDays, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000);
  let dropped = 0;
  for (;;) {
    const old = await db.reader.webhookDelivery.findMany({
      where: { status: { in: ['DELIVERED', 'FAILED'] }, createdAt: { lt: cutoff } },
      select: { id: true },
      take: chunk,
    });
    if (old.length === 0) break;
    const ids = old.map((row) => row.id);
    await db.writer.$transaction([
      db.writer.webhookAttempt.deleteMany({ where: { deliveryId: { in: ids } } }),
      db.writer.webhookDelivery.deleteMany({ where: { id: { in: ids } } }),
    ]);
    dropped += ids.length;
  }
  for (;;) {
    const old = await db.reader.emailNotification.findMany({
      // Unsent ones too: without a mail server they never go, and a backlog a month old is nobody's news.
      where: { createdAt: { lt: cutoff } },
      select: { id: true },
      take: chunk,
    });
    if (old.length === 0) break;
    await db.writer.emailNotification.deleteMany({ where: { id: { in: old.map((row) => row.id) } } });
    dropped += old.length;
  }
  return dropped;
}
