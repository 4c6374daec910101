import { builder } from '../builder.js';

export const CommentRevision = builder.prismaObject('CommentRevision', {
  description: 'A body a comment had before an edit.',
  fields: (t) => ({
    body: t.exposeString('body'),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the comment got this body.' }),
  }),
});

export const CommentRevisionConnection = builder.connectionObject({ type: CommentRevision, name: 'CommentRevisionConnection' });
