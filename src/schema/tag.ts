import { builder } from '../builder.js';
import { prisma } from '../db.js';

// Tag.articles lives in article.ts, beside ArticleConnection.
export const Tag = builder.prismaNode('Tag', {
  id: { field: 'id' },
  // node(id:) answers null for a row that is not there.
  nullable: true,
  fields: (t) => ({
    slug: t.exposeString('slug'),
    name: t.exposeString('name'),
  }),
});

builder.queryField('tag', (t) =>
  t.prismaField({
    type: 'Tag',
    nullable: true,
    description: 'The tag with this slug, or null when there is none.',
    args: { slug: t.arg.string({ required: true }) },
    resolve: (query, _root, { slug }) => prisma.tag.findUnique({ ...query, where: { slug } }),
  }),
);
