import { builder } from '../builder.js';
import { prisma } from '../db.js';
import { createTag, updateTag } from '../domain/articles.js';
import * as relations from '../read/relations.js';
import { Article, ArticleConnection } from './article.js';
import { pagedField, pageSizes } from './connections.js';
import { writeErrors } from './errors.js';
import { inputId } from './ids.js';
import { writeMutation } from './write-mutation.js';

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
    resolve: (query, _root, { slug }) => prisma.tag.findUnique({ ...query, where: { slug } }),
  }),
);

const CreateTagInput = builder.inputType('CreateTagInput', {
  fields: (t) => ({ name: t.string({ required: true }), slug: t.string({ description: 'Derived from the name when left out.' }) }),
});
const UpdateTagInput = builder.inputType('UpdateTagInput', {
  fields: (t) => ({ tagId: t.id({ required: true }), name: t.string({ required: true }) }),
});

const loadTag = (query: object, id: number) => prisma.tag.findUniqueOrThrow({ ...query, where: { id } });

writeMutation('createTag', 'Tag', CreateTagInput, {
  description: 'Create a tag.',
  scope: 'admin',
  errors: writeErrors.admin,
  dataField: 'tag',
  load: loadTag,
  write: (input) => createTag(input),
});

writeMutation('updateTag', 'Tag', UpdateTagInput, {
  description: 'Rename a tag (its slug stays, so links keep working).',
  scope: 'admin',
  errors: writeErrors.admin,
  dataField: 'tag',
  load: loadTag,
  write: (input) => updateTag(inputId(input.tagId, 'Tag', 'tagId'), { name: input.name }),
});
