import { builder } from '../builder.js';
import type { Database } from '../db.js';
import { createTag, updateTag } from '../domain/articles.js';
import { writeErrors } from './errors.js';
import { inputId } from './ids.js';
import { writeMutation } from './write-mutation.js';

const CreateTagInput = builder.inputType('CreateTagInput', {
  fields: (t) => ({ name: t.string({ required: true }), slug: t.string({ description: 'Derived from the name when left out.' }) }),
});
const UpdateTagInput = builder.inputType('UpdateTagInput', {
  fields: (t) => ({ tagId: t.id({ required: true }), name: t.string({ required: true }) }),
});

const loadTag = (db: Database, query: object, id: number) => db.reader.tag.findUniqueOrThrow({ ...query, where: { id } });

writeMutation('createTag', 'Tag', CreateTagInput, {
  description: 'Create a tag.',
  scope: 'admin',
  errors: writeErrors.admin,
  dataField: 'tag',
  load: loadTag,
  write: (input, { db }) => createTag(db, input),
});

writeMutation('updateTag', 'Tag', UpdateTagInput, {
  description: 'Rename a tag (its slug stays, so links keep working).',
  scope: 'admin',
  errors: writeErrors.admin,
  dataField: 'tag',
  load: loadTag,
  write: (input, { db }) => updateTag(db, inputId(input.tagId, 'Tag', 'tagId'), { name: input.name }),
});
