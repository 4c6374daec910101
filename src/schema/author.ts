import { builder } from '../builder.js';
import { whereId } from './ids.js';
import { prisma, writeTransaction } from '../db.js';
import { ensureAuthor } from '../domain/authors.js';

// Author.comments lives in comment.ts and Author.articles in article.ts, beside their connection types.
export const Author = builder.prismaNode('Author', {
  id: { field: 'id' },
  findUnique: whereId('Author'),
  // node(id:) answers null for a row that is not there.
  nullable: true,
  fields: (t) => ({
    handle: t.exposeString('handle'),
    name: t.exposeString('name'),
    bio: t.exposeString('bio', { nullable: true }),
  }),
});

builder.queryField('author', (t) =>
  t.prismaField({
    type: 'Author',
    nullable: true,
    description: 'The author with this handle, or null when there is none.',
    args: { handle: t.arg.string({ required: true }) },
    resolve: (query, _root, { handle }) => prisma.author.findUnique({ ...query, where: { handle } }),
  }),
);

builder.queryField('viewer', (t) =>
  t.prismaField({
    type: 'Author',
    nullable: true,
    description: 'The signed-in author (from the bearer token), or null without one.',
    resolve: async (query, _root, _args, { viewer }) => {
      if (!viewer) return null;
      // The host site's token introduces the author: the first request that needs the row
      // makes it (on the writer, in a transaction, so concurrent first requests agree).
      const known = await prisma.author.findUnique({ where: { handle: viewer.handle }, select: { name: true, role: true } });
      if (known?.name !== viewer.name || known.role !== viewer.role) await writeTransaction((tx) => ensureAuthor(tx, viewer));
      return prisma.author.findUniqueOrThrow({ ...query, where: { handle: viewer.handle } });
    },
  }),
);
