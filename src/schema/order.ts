import { builder } from '../builder.js';
import type { Prisma } from '../generated/prisma/client.js';

export const CommentOrder = builder.enumType('CommentOrder', {
  values: {
    OLDEST: { description: 'Posting order: comment 1 first.' },
    NEWEST: { description: 'Newest comment first.' },
    MOST_REPLIED: { description: 'Most direct replies first; ties in posting order.' },
  } as const,
});

type CommentOrderValue = typeof CommentOrder.$inferType;

export function commentOrderBy(order: CommentOrderValue | null | undefined): Prisma.CommentOrderByWithRelationInput[] {
  switch (order) {
    case 'NEWEST':
      return [{ number: 'desc' }];
    case 'MOST_REPLIED':
      return [{ replies: { _count: 'desc' } }, { number: 'asc' }];
    default:
      return [{ number: 'asc' }];
  }
}
