/**
 * Depth and cost limits that understand Relay connections. graphql-armor counts `edges` and
 * `node` as levels and grows cost by 1.5× a level, so a thread three replies deep already
 * measures depth 17 and cost 32,000; here a connection's plumbing (`edges`, `node`,
 * `pageInfo`) is not a level, which makes "depth 8" mean what a reader expects: article,
 * comments, three levels of replies, their quotes, the quoted comment and its author.
 */
import { type ASTVisitor, type FragmentDefinitionNode, GraphQLError, Kind, type SelectionSetNode, type ValidationContext } from 'graphql';

interface Measure {
  depth: number;
  cost: number;
}

/** A connection's `edges` and `pageInfo`, and the `node` of an edge, are not levels of their own. */
const isPlumbing = (name: string, parent: string | null) =>
  name === 'edges' || name === 'pageInfo' || (name === 'node' && parent === 'edges');

function measure(
  selectionSet: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  visiting: Set<string>,
  parent: string | null,
): Measure {
  let depth = 0;
  let cost = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value.startsWith('__')) continue;
      if (!selection.selectionSet) {
        cost += 1;
        continue;
      }
      const inner = measure(selection.selectionSet, fragments, visiting, selection.name.value);
      const level = isPlumbing(selection.name.value, parent) ? 0 : 1;
      depth = Math.max(depth, inner.depth + level);
      cost += 2 + inner.cost;
    } else {
      const set = selection.kind === Kind.INLINE_FRAGMENT ? selection.selectionSet : fragments.get(selection.name.value)?.selectionSet;
      const name = selection.kind === Kind.FRAGMENT_SPREAD ? selection.name.value : null;
      // A fragment that spreads itself is reported by graphql's own NoFragmentCycles rule.
      if (!set || (name && visiting.has(name))) continue;
      if (name) visiting.add(name);
      const inner = measure(set, fragments, visiting, parent);
      if (name) visiting.delete(name);
      depth = Math.max(depth, inner.depth);
      cost += inner.cost;
    }
  }
  return { depth, cost };
}

export function queryLimitsRule({ maxDepth, maxCost }: { maxDepth: number; maxCost: number }) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map(
      context
        .getDocument()
        .definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
        .map((fragment) => [fragment.name.value, fragment]),
    );
    return {
      OperationDefinition(operation) {
        const { depth, cost } = measure(operation.selectionSet, fragments, new Set(), null);
        if (depth > maxDepth) {
          context.reportError(
            new GraphQLError(`The query is ${depth} levels deep; the limit is ${maxDepth}.`, {
              nodes: [operation],
              extensions: { code: 'QUERY_TOO_DEEP', limit: maxDepth, found: depth },
            }),
          );
        }
        if (cost > maxCost) {
          context.reportError(
            new GraphQLError(`The query costs ${cost}; the limit is ${maxCost}.`, {
              nodes: [operation],
              extensions: { code: 'QUERY_TOO_COSTLY', limit: maxCost, found: cost },
            }),
          );
        }
      },
    };
  };
}
