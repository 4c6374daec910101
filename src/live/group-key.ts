/**
 * Which group a subscription belongs to (src/live/groups.ts): the answers it would receive
 * depend on its article, its operation, its variables other than the resume cursor, and who
 * is asking, as far as answers differ: the public (anonymous readers and authors alike, as
 * the response cache already holds), moderators, administrators; and the viewer alone when
 * the operation asks for a field that is the viewer's own.
 */
import {
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLResolveInfo,
  Kind,
  type OperationDefinitionNode,
  visit,
} from 'graphql';
import type { Viewer } from '../auth.js';
import { asksForPrivateFields } from '../http/response-cache.js';
import { isAdmin, isModerator } from '../domain/visibility.js';
import type { GroupSpec } from './groups.js';
import type { LiveEvent } from '../domain/events.js';

interface OperationFacts {
  /** Numbers operations apart: identical queries share one parsed document (Yoga's parse cache). */
  id: number;
  document: DocumentNode;
  /** Variables that only ever feed the root field's `after`: they do not change the answers. */
  cursorVariables: Set<string>;
}

const facts = new WeakMap<OperationDefinitionNode, OperationFacts>();
let operations = 0;

function factsOf(info: GraphQLResolveInfo): OperationFacts {
  const known = facts.get(info.operation);
  if (known) return known;
  const fragments = Object.values(info.fragments) as FragmentDefinitionNode[];
  const document: DocumentNode = { kind: Kind.DOCUMENT, definitions: [info.operation, ...fragments] };
  const uses = new Map<string, number>();
  const count = {
    VariableDefinition: () => false,
    Variable: (node: { name: { value: string } }) => {
      uses.set(node.name.value, (uses.get(node.name.value) ?? 0) + 1);
    },
  };
  visit(info.operation, count);
  for (const fragment of fragments) visit(fragment, count);
  const cursorVariables = new Set<string>();
  for (const argument of info.fieldNodes[0]?.arguments ?? []) {
    if (argument.name.value === 'after' && argument.value.kind === Kind.VARIABLE && uses.get(argument.value.name.value) === 1) {
      cursorVariables.add(argument.value.name.value);
    }
  }
  const made = { id: ++operations, document, cursorVariables };
  facts.set(info.operation, made);
  return made;
}

/** The audience a viewer's answers belong to, and who stands for it in the group's execution. */
function audienceOf(viewer: Viewer | null, asksForOwn: boolean): { audience: string; standIn: Viewer | null } {
  // Without the token's expiry: the group outlives any one member's token (each member's own ends it).
  const standIn = viewer && { ...viewer, expiresAt: undefined };
  if (asksForOwn && viewer) return { audience: `viewer:${viewer.handle}`, standIn };
  if (isAdmin(viewer)) return { audience: 'admin', standIn };
  if (isModerator(viewer)) return { audience: 'moderator', standIn };
  return { audience: 'public', standIn: null };
}

/**
 * The group of the subscription being resolved. `rawVariables` are the client's own (the
 * group executes with the first member's); the key uses the coerced ones, in name order.
 */
export function groupSpecOf(
  info: GraphQLResolveInfo,
  articleId: number,
  viewer: Viewer | null,
  rawVariables: Record<string, unknown> | undefined,
  accept: (event: LiveEvent) => boolean,
): GroupSpec {
  const { id, document, cursorVariables } = factsOf(info);
  const operationName = info.operation.name?.value;
  const { audience, standIn } = audienceOf(viewer, asksForPrivateFields(info.schema, document, operationName));
  const variables = Object.entries(info.variableValues)
    .filter(([name]) => !cursorVariables.has(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    key: `${articleId}\n${audience}\n${id}\n${JSON.stringify(variables)}`,
    articleId,
    accept,
    document,
    operationName,
    variableValues: rawVariables,
    viewer: standIn,
  };
}
