import { builder } from '../builder.js';

export const CommentOrder = builder.enumType('CommentOrder', {
  values: {
    OLDEST: { description: 'Posting order: comment 1 first.' },
    NEWEST: { description: 'Newest comment first.' },
    MOST_REPLIED: { description: 'Most direct replies first; ties in posting order.' },
    TOP: { description: 'Most reactions (of every kind) first; ties in posting order.' },
  } as const,
});
