/**
 * A depth limit that understands Relay connections. graphql-armor counts `edges` and `node`
 * as levels, so a thread three replies deep already measures depth 17; here a connection's
 * plumbing (`edges`, `node`, `pageInfo`) is not a level, which makes "depth 8" mean what a
 * reader expects: article, comments, three levels of replies, their quotes, the quoted
 * comment and its author. (What a request costs is measured with its variables: cost.ts.)
 */
import { type ASTVisitor, type FragmentDefinitionNode, GraphQLError, Kind, type SelectionSetNode, type ValidationContext } from 'graphql';

/** A connection's `edges` and `pageInfo`, and the `node` of an edge, are not levels of their own. */
const isPlumbing = (name: string, parent: string | null) =>
  name === 'edges' || name === 'pageInfo' || (name === 'node' && parent === 'edges');

function depthOf(
  selectionSet: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  visiting: Set<string>,
  parent: string | null,
): number {
  let depth = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value.startsWith('__') || !selection.selectionSet) continue;
      const inner = depthOf(selection.selectionSet, fragments, visiting, selection.name.value);
      depth = Math.max(depth, inner + (isPlumbing(selection.name.value, parent) ? 0 : 1));
    } else {
      const set = selection.kind === Kind.INLINE_FRAGMENT ? selection.selectionSet : fragments.get(selection.name.value)?.selectionSet;
      const name = selection.kind === Kind.FRAGMENT_SPREAD ? selection.name.value : null;
      // A fragment that spreads itself is reported by graphql's own NoFragmentCycles rule.
      if (!set || (name && visiting.has(name))) continue;
      if (name) visiting.add(name);
      depth = Math.max(depth, depthOf(set, fragments, visiting, parent));
      if (name) visiting.delete(name);
    }
  }
  return depth;
}

export function queryDepthRule(maxDepth: number) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map(
      context
        .getDocument()
        .definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
        .map((fragment) => [fragment.name.value, fragment]),
    );
    return {
      OperationDefinition(operation) {
        const depth = depthOf(operation.selectionSet, fragments, new Set(), null);
        if (depth > maxDepth) {
          context.reportError(
            new GraphQLError(`The query is ${depth} levels deep; the limit is ${maxDepth}.`, {
              nodes: [operation],
              extensions: { code: 'QUERY_TOO_DEEP', limit: maxDepth, found: depth },
            }),
          );
        }
      },
    };
  };
}
