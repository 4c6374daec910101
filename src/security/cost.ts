/**
 * What a request can cost, known before it runs, from the operation and its variables.
 *
 * - **nodes**: the objects its lists can hold. A connection holds its page (`first`, `last`,
 *   or its default size) for every parent it is asked of; a plain list holds its documented
 *   maximum. `article { comments(first: 100) { edges { node { quotedBy(first: 100) { … } } } } }`
 *   counts 100 + 100 × 100 nodes, as GitHub counts them.
 * - **cost**: the values the response can hold: every field counts once for each object it can
 *   be asked of, so a field under a page of 100 costs 100.
 *
 * Both are upper bounds: the data may hold fewer. Page sizes and list maxima come from the
 * schema itself (each field's `extensions.threadline`), the same numbers its resolvers enforce.
 */
import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  GraphQLError,
  type GraphQLSchema,
  getNamedType,
  isAbstractType,
  isCompositeType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
  valueFromAST,
  type GraphQLOutputType,
  isInterfaceType,
} from 'graphql';

/** What a field tells the measure, in its `extensions.threadline`. */
export interface FieldMeasure {
  /** A connection's page sizes. */
  pageSizes?: { default: number; max: number };
  /** The most items a list field can return. */
  maxItems?: number;
  /** The list's length is that of this argument (a list of IDs). */
  itemsFromArgument?: string;
  /** The list has one item per entry of this site setting (at most `maxItems`): the reactions offered. */
  itemsFromSite?: keyof SiteLists;
}

/** The lengths of lists the site's configuration sets, for the request being measured. */
export interface SiteLists {
  reactionKinds: number;
}

export const measureOf = (field: GraphQLField<unknown, unknown>): FieldMeasure | undefined =>
  (field.extensions as { threadline?: FieldMeasure } | undefined)?.threadline;

export interface Measure {
  cost: number;
  nodes: number;
}

/** A list field the schema gives no bound for counts as this many items (none should exist; a test checks). */
const unboundedListItems = 100;

function isListOutput(type: GraphQLOutputType): boolean {
  return isListType(isNonNullType(type) ? type.ofType : type);
}

class Measurer {
  readonly fragments: Map<string, FragmentDefinitionNode>;
  cost = 0;
  nodes = 0;

  constructor(
    readonly schema: GraphQLSchema,
    readonly operation: OperationDefinitionNode,
    document: DocumentNode,
    readonly variables: Record<string, unknown>,
    readonly site: Partial<SiteLists> = {},
  ) {
    this.fragments = new Map(
      document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
    );
  }

  /** The value of an argument as the resolver will see it, or undefined when left out. */
  argument(node: FieldNode, field: GraphQLField<unknown, unknown>, name: string): unknown {
    const definition = field.args.find((arg) => arg.name === name);
    const given = node.arguments?.find((arg) => arg.name.value === name)?.value;
    if (!definition) return undefined;
    if (!given) return definition.defaultValue;
    if (given.kind === Kind.VARIABLE) {
      const variable = given.name.value;
      if (variable in this.variables) return this.variables[variable];
      const declared = this.operation.variableDefinitions?.find((d) => d.variable.name.value === variable)?.defaultValue;
      return declared ? valueFromAST(declared as ValueNode, definition.type) : definition.defaultValue;
    }
    return valueFromAST(given, definition.type);
  }

  /** A connection's page: what it asks for, within the bounds the resolver enforces (a bad size is refused there). */
  pageSize(node: FieldNode, field: GraphQLField<unknown, unknown>, sizes: { default: number; max: number }): number {
    const asked = this.argument(node, field, 'first') ?? this.argument(node, field, 'last');
    if (asked === undefined || asked === null) return sizes.default;
    return typeof asked === 'number' && Number.isInteger(asked) && asked >= 0 ? Math.min(asked, sizes.max) : sizes.max;
  }

  walk(selectionSet: SelectionSetNode, type: GraphQLCompositeType, multiplier: number, edges: number, visiting: Set<string>): void {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition ? this.schema.getType(selection.typeCondition.name.value) : type;
        if (condition && isCompositeType(condition)) this.walk(selection.selectionSet, condition, multiplier, edges, visiting);
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const name = selection.name.value;
        const fragment = this.fragments.get(name);
        // A fragment that spreads itself is reported by graphql's own NoFragmentCycles rule.
        if (!fragment || visiting.has(name)) continue;
        const condition = this.schema.getType(fragment.typeCondition.name.value);
        if (!condition || !isCompositeType(condition)) continue;
        visiting.add(name);
        this.walk(fragment.selectionSet, condition, multiplier, edges, visiting);
        visiting.delete(name);
        continue;
      }
      this.field(selection, type, multiplier, edges, visiting);
    }
  }

  field(node: FieldNode, parent: GraphQLCompositeType, multiplier: number, edges: number, visiting: Set<string>): void {
    const name = node.name.value;
    if (name.startsWith('__')) {
      // Introspection is as large as the schema, whatever is asked; __typename is one value.
      this.cost += multiplier;
      return;
    }
    if (isAbstractType(parent) && !isInterfaceType(parent)) return;
    const field = (isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined) as
      | GraphQLField<unknown, unknown>
      | undefined;
    if (!field) return;
    this.cost += multiplier;
    const named = getNamedType(field.type);
    if (!node.selectionSet || !isCompositeType(named)) return;

    const measure = measureOf(field);
    let items = 1;
    let childEdges = edges;
    if (measure?.pageSizes) {
      // The connection object itself is one per parent; its `edges` carry the page.
      childEdges = this.pageSize(node, field, measure.pageSizes);
    } else if (name === 'edges' && parent.name.endsWith('Connection')) {
      items = edges;
    } else if (isListOutput(field.type)) {
      if (measure?.itemsFromSite && this.site[measure.itemsFromSite] !== undefined) {
        items = Math.min(this.site[measure.itemsFromSite]!, measure.maxItems ?? unboundedListItems);
      } else if (measure?.itemsFromArgument) {
        const given = this.argument(node, field, measure.itemsFromArgument);
        items = Array.isArray(given) ? given.length : unboundedListItems;
      } else {
        items = measure?.maxItems ?? unboundedListItems;
      }
    }
    if (isListOutput(field.type)) this.nodes += multiplier * items;
    this.walk(node.selectionSet, named, multiplier * items, childEdges, visiting);
  }
}

/** The operation the request runs: the named one, or the only one. */
function operationOf(document: DocumentNode, operationName: string | null | undefined): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  return operationName ? operations.find((operation) => operation.name?.value === operationName) : operations[0];
}

export function measureOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
  site: Partial<SiteLists> = {},
): Measure {
  const operation = operationOf(document, operationName);
  const root = operation && schema.getRootType(operation.operation);
  if (!operation || !root) return { cost: 0, nodes: 0 };
  const measurer = new Measurer(schema, operation, document, variables ?? {}, site);
  measurer.walk(operation.selectionSet, root, 1, 0, new Set());
  return { cost: measurer.cost, nodes: measurer.nodes };
}

/** The errors a request over `limits` is refused with, before anything runs; none when it is within them. */
export function refusalsFor(measure: Measure, limits: { maxCost: number; maxNodes: number }): GraphQLError[] {
  const errors: GraphQLError[] = [];
  if (measure.nodes > limits.maxNodes) {
    errors.push(
      new GraphQLError(
        `The query can return ${measure.nodes} objects; the limit is ${limits.maxNodes}. Ask for smaller pages, or page through a large thread with Article.thread.`,
        { extensions: { code: 'TOO_MANY_NODES', limit: limits.maxNodes, found: measure.nodes, http: { status: 400 } } },
      ),
    );
  }
  if (measure.cost > limits.maxCost) {
    errors.push(
      new GraphQLError(`The query costs ${measure.cost}; the limit is ${limits.maxCost}. Ask for fewer fields or smaller pages.`, {
        extensions: { code: 'QUERY_TOO_COSTLY', limit: limits.maxCost, found: measure.cost, http: { status: 400 } },
      }),
    );
  }
  return errors;
}
