import { builder } from '../builder.js';
import * as relations from '../read/relations.js';
import { Article, ArticleConnection } from './article.js';
import { pagedField, pageSizes } from './connections.js';

export const Tag = builder.prismaNode('Tag', {
  id: { field: 'id' },
  findUnique: (id) => ({ id: Number(id) }),
  // node(id:) answers null for a row that is not there.
  nullable: true,
  fields: (t) => ({
    slug: t.exposeString('slug'),
    name: t.exposeString('name'),
  }),
});

builder.prismaObjectField('Tag', 'articles', (t) =>
  t.connection(
    {
      type: Article,
      description: 'Articles filed under this tag, newest first.',
      ...pagedField({
        typeName: 'Article',
        sizes: pageSizes,
        relation: (_args: unknown, { viewer }) => relations.tagArticles(viewer, new Date()),
      }),
    },
    ArticleConnection,
  ),
);

builder.queryField('tag', (t) =>
  t.prismaField({
    type: 'Tag',
    nullable: true,
    description: 'The tag with this slug, or null when there is none.',
    args: { slug: t.arg.string({ required: true }) },
    resolve: (query, _root, { slug }, { db }) => db.reader.tag.findUnique({ ...query, where: { slug } }),
  }),
);
