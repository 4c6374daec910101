// The widget's operations are strings in its bundle: each must stay valid against the schema.
import { parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../../src/schema/index.js';
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
      'threadQuery',
    ]);
  });

  for (const [name, source] of operations) {
    it(`${name} is valid against the schema`, () => {
      expect(validate(schema, parse(source)).map((error) => error.message)).toEqual([]);
    });
  }
});
