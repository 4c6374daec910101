import { builder } from '../builder.js';
import type { Database } from '../db.js';
import { createArticle, setArticleLocked, setArticleTagged, updateArticle } from '../domain/articles.js';
import { writeErrors } from './errors.js';
import { inputId } from './ids.js';
import { writeMutation } from './write-mutation.js';

const articleIdInput = (name: string, description: string) =>
  builder.inputType(name, { description, fields: (t) => ({ articleId: t.id({ required: true }) }) });

const LockArticleInput = articleIdInput('LockArticleInput', 'The article whose comments to lock (moderators).');
const UnlockArticleInput = articleIdInput('UnlockArticleInput', 'The article whose comments to unlock (moderators).');

const CreateArticleInput = builder.inputType('CreateArticleInput', {
  fields: (t) => ({
    title: t.string({ required: true }),
    body: t.string({ required: true }),
    slug: t.string({ description: 'Derived from the title when left out.' }),
    publishedAt: t.field({ type: 'DateTime' }),
    tagIds: t.idList({ description: 'Tags to file the article under.' }),
  }),
});

const UpdateArticleInput = builder.inputType('UpdateArticleInput', {
  description: 'Fields left out keep their value.',
  fields: (t) => ({
    articleId: t.id({ required: true }),
    title: t.string(),
    body: t.string(),
    slug: t.string(),
    publishedAt: t.field({ type: 'DateTime' }),
  }),
});

const ArticleTagInput = builder.inputType('ArticleTagInput', {
  fields: (t) => ({ articleId: t.id({ required: true }), tagId: t.id({ required: true }) }),
});

const loadArticle = (db: Database, query: object, id: number) => db.reader.article.findUniqueOrThrow({ ...query, where: { id } });
const articleId = (value: string | number) => inputId(value, 'Article', 'articleId');

for (const [name, input, locked, description] of [
  ['lockArticle', LockArticleInput, true, 'Stop new comments on an article: posting then fails with ThreadLockedError.'],
  ['unlockArticle', UnlockArticleInput, false, 'Take comments on an article again.'],
] as const) {
  writeMutation(name, 'Article', input, {
    description,
    scope: 'moderator',
    errors: writeErrors.remove,
    dataField: 'article',
    load: loadArticle,
    write: (value, { db, viewer }) => setArticleLocked(db, viewer!, articleId(value.articleId), locked),
  });
}

writeMutation('createArticle', 'Article', CreateArticleInput, {
  description: 'Write an article as the signed-in administrator: readers see it from `publishedAt` on (a draft without one).',
  scope: 'admin',
  errors: writeErrors.admin,
  dataField: 'article',
  load: loadArticle,
  write: (input, { db, viewer }) =>
    createArticle(db, viewer!, {
      ...input,
      tagIds: input.tagIds?.map((id, index) => inputId(id, 'Tag', `tagIds.${index}`)),
    }),
});

writeMutation('updateArticle', 'Article', UpdateArticleInput, {
  description: "Change an article's title, body, slug or publication date.",
  scope: 'admin',
  errors: writeErrors.admin,
  dataField: 'article',
  load: loadArticle,
  write: ({ articleId: id, ...fields }, { db, viewer }) => updateArticle(db, viewer!, articleId(id), fields),
});

writeMutation('tagArticle', 'Article', ArticleTagInput, {
  description: 'File an article under a tag.',
  scope: 'admin',
  errors: writeErrors.admin,
  dataField: 'article',
  load: loadArticle,
  write: (input, { db, viewer }) => setArticleTagged(db, viewer!, articleId(input.articleId), inputId(input.tagId, 'Tag', 'tagId'), true),
});

writeMutation('untagArticle', 'Article', ArticleTagInput, {
  description: 'Take a tag off an article.',
  scope: 'admin',
  errors: writeErrors.admin,
  dataField: 'article',
  load: loadArticle,
  write: (input, { db, viewer }) => setArticleTagged(db, viewer!, articleId(input.articleId), inputId(input.tagId, 'Tag', 'tagId'), false),
});
