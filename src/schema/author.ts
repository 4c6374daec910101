import { builder } from '../builder.js';
import * as relations from '../read/relations.js';
import { Article, ArticleConnection } from './article.js';
import { Comment, CommentConnection } from './comment.js';
import { pagedField, pageSizes } from './connections.js';

export const Author = builder.prismaNode('Author', {
  id: { field: 'id' },
  findUnique: (id) => ({ id: Number(id) }),
  // node(id:) answers null for a row that is not there.
  nullable: true,
  fields: (t) => ({
    handle: t.exposeString('handle', {
      description:
        'The site handle a token names; `import:<source>:<key>` for an author an import brought, until an operator links it to one.',
    }),
    name: t.exposeString('name'),
    bio: t.exposeString('bio', { nullable: true }),
  }),
});

builder.prismaObjectField('Author', 'comments', (t) =>
  t.connection(
    {
      type: Comment,
      description: 'The comments this author wrote, newest first.',
      ...pagedField({
        typeName: 'Comment',
        sizes: pageSizes,
        relation: (_args: unknown, { viewer }) => relations.authorComments(viewer, new Date()),
      }),
    },
    CommentConnection,
  ),
);

builder.prismaObjectField('Author', 'articles', (t) =>
  t.connection(
    {
      type: Article,
      description: 'The articles this author wrote, newest first.',
      ...pagedField({
        typeName: 'Article',
        sizes: pageSizes,
        relation: (_args: unknown, { viewer }) => relations.authorArticles(viewer, new Date()),
      }),
    },
    ArticleConnection,
  ),
);

builder.queryField('author', (t) =>
  t.prismaField({
    type: 'Author',
    nullable: true,
    description: 'The author with this handle, or null when there is none.',
    args: { handle: t.arg.string({ required: true }) },
    resolve: (query, _root, { handle }, { db }) => db.reader.author.findUnique({ ...query, where: { handle } }),
  }),
);

builder.queryField('viewer', (t) =>
  t.prismaField({
    type: 'Author',
    nullable: true,
    // Each viewer's own: never shared through the response cache.
    extensions: { threadline: { private: true } },
    description:
      "The signed-in author, as stored: null without a token, and until the token's author first writes (a read never writes, so a new token's name shows from its first comment on).",
    resolve: (query, _root, _args, { db, viewer }) =>
      viewer ? db.reader.author.findUnique({ ...query, where: { handle: viewer.handle } }) : null,
  }),
);
