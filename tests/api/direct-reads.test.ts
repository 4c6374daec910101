/**
 * The thread's rows are read on `db.direct` (src/db-direct.ts), as the drivers return them, and
 * mapped by hand: they must be the objects Prisma returns for the same rows, dates (to the
 * millisecond, whatever the process's time zone) and booleans included.
 */
import { beforeAll, expect, it, onTestFinished } from 'vitest';
import { loadCommentsById, withAuthor } from '../../src/read/comments.js';
import { seedDemoIfEmpty } from '../../src/seed.js';
import { db } from '../helpers.js';

beforeAll(async () => {
  await seedDemoIfEmpty(db);
});

it('reads comments with their authors exactly as Prisma does, in a time zone other than UTC', async () => {
  // pg reads a `timestamp` in the process's zone unless told otherwise; Node applies TZ at once.
  const zone = process.env.TZ;
  process.env.TZ = 'America/Sao_Paulo';
  onTestFinished(() => {
    if (zone === undefined) delete process.env.TZ;
    else process.env.TZ = zone;
  });
  const [edited, hidden] = await db.reader.comment.findMany({ select: { id: true }, orderBy: { id: 'asc' }, take: 2 });
  await db.writer.comment.update({
    where: { id: edited!.id },
    data: { editedAt: new Date('2026-03-04T05:06:07.089Z'), imported: false },
  });
  await db.writer.comment.update({ where: { id: hidden!.id }, data: { hiddenAt: new Date(), deletedAt: new Date(0) } });
  const expected = await db.reader.comment.findMany({ include: { author: true }, orderBy: { id: 'asc' } });
  const loaded = await loadCommentsById(
    db,
    expected.map((comment) => comment.id),
  );
  expect(loaded.size).toBe(expected.length);
  for (const comment of expected) {
    const { [withAuthor]: marked, ...row } = loaded.get(comment.id)!;
    expect(marked).toBe(true);
    expect(row).toStrictEqual(comment);
  }
});
