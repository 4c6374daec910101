// The widget's operations are strings in its bundle: each must stay valid against the schema.
import { parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { defaultRequestLimits } from '../../src/config.js';
import { maxReactionKinds } from '../../src/domain/reactions.js';
import { schema } from '../../src/schema/index.js';
import { isArticleScoped } from '../../src/http/response-cache.js';
import { measureOperation } from '../../src/security/cost.js';
import * as documents from '../../src/widget/documents.js';

describe('the widget’s GraphQL operations', () => {
  const operations = Object.entries(documents).filter((entry): entry is [string, string] => typeof entry[1] === 'string');

  it('are all checked here', () => {
    expect(operations.map(([name]) => name).sort()).toEqual([
      'addedSubscription',
      'changedSubscription',
      'deleteMutation',
      'editMutation',
      'numberQuery',
      'permalinkQuery',
      'postMutation',
      'repliesQuery',
      'reportMutation',
      'threadQuery',
    ]);
  });

  const reactions: [string, string][] = [
    ['reactMutation(true)', documents.reactMutation(true)],
    ['reactMutation(false)', documents.reactMutation(false)],
  ];
  for (const [name, source] of [...operations, ...reactions]) {
    it(`${name} is valid against the schema`, () => {
      expect(validate(schema, parse(source)).map((error) => error.message)).toEqual([]);
    });
  }

  const { threadQuery, repliesQuery, permalinkQuery, postMutation, editMutation, deleteMutation, addedSubscription, changedSubscription } =
    documents;
  const reads = { threadQuery, repliesQuery, permalinkQuery };

  for (const [name, source] of Object.entries(reads)) {
    it(`${name}, as a signed-in reader sends it, asks each comment’s status and stays valid`, () => {
      const signedIn = documents.withStatus(source);
      expect(signedIn).not.toBe(source);
      expect(signedIn).toContain('isDeleted status body');
      expect(validate(schema, parse(signedIn)).map((error) => error.message)).toEqual([]);
    });
  }

  it('asks the status in every write’s answer, and in no read an anonymous reader sends', () => {
    for (const write of [postMutation, editMutation, deleteMutation]) expect(write).toContain(' status ');
    for (const read of [...Object.values(reads), addedSubscription, changedSubscription]) expect(read).not.toContain(' status ');
  });

  it('asks whether the reader reacted only when signed in: anonymous reads stay shareable', () => {
    for (const read of [...Object.values(reads), addedSubscription, changedSubscription]) expect(read).not.toContain('viewerHasReacted');
    for (const read of Object.values(reads)) expect(documents.withStatus(read)).toContain('reactions { kind count viewerHasReacted }');
  });

  it('keeps the thread and permalink reads about one article: a click or a post elsewhere leaves their cached answers valid', () => {
    for (const read of [threadQuery, permalinkQuery]) expect(isArticleScoped(schema, parse(read), undefined)).toBe(true);
  });

  it('keeps its largest page, pins and every reaction a site may offer, within the node limit', () => {
    for (const source of [threadQuery, documents.withStatus(threadQuery)]) {
      const measure = measureOperation(
        schema,
        parse(source),
        undefined,
        { slug: 'x', first: 20, replies: 5 },
        { reactionKinds: maxReactionKinds },
      );
      expect(measure.nodes).toBeLessThanOrEqual(defaultRequestLimits.maxNodes);
    }
  });
});
