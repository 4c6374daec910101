/**
 * Reads a V8 `.heapsnapshot` file (the JSON that `v8.writeHeapSnapshot` writes) and sums its
 * objects' self sizes by category, for bench/live-memory.ts.
 *
 * The file is read in chunks and parsed by hand: its two big arrays (nodes and edges, a few
 * tens of millions of integers) go straight into typed arrays, and the whole text, which can
 * pass V8's longest string, is never held at once.
 */
import { closeSync, openSync, readSync } from 'node:fs';

export interface HeapSnapshot {
  nodeFields: string[];
  nodeTypes: string[];
  edgeFields: string[];
  edgeTypes: string[];
  nodes: Uint32Array;
  edges: Uint32Array;
  /** Per closure: object_index, script_id, line, column (0-based). */
  locations: Uint32Array;
  strings: string[];
}

interface Meta {
  node_fields: string[];
  node_types: [string[], ...string[]];
  edge_fields: string[];
  edge_types: [string[], ...string[]];
}

const byteOf = (character: string) => character.charCodeAt(0);
const quote = byteOf('"');
const backslash = byteOf('\\');
const comma = byteOf(',');
const colon = byteOf(':');
const openBracket = byteOf('[');
const closeBracket = byteOf(']');
const openBrace = byteOf('{');
const closeBrace = byteOf('}');
const isSpace = (byte: number) => byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;

/** A growable Uint32Array, for arrays whose length the header does not give. */
class Integers {
  #values: Uint32Array;
  length = 0;
  constructor(capacity: number) {
    this.#values = new Uint32Array(Math.max(capacity, 16));
  }
  push(value: number) {
    if (this.length === this.#values.length) {
      const grown = new Uint32Array(this.#values.length * 2);
      grown.set(this.#values);
      this.#values = grown;
    }
    this.#values[this.length++] = value;
  }
  values(): Uint32Array {
    return this.#values.subarray(0, this.length);
  }
}

class Reader {
  readonly #fd: number;
  #buffer = Buffer.allocUnsafe(8 << 20);
  #end = 0;
  pos = 0;

  constructor(file: string) {
    this.#fd = openSync(file, 'r');
  }
  close() {
    closeSync(this.#fd);
  }
  /** The next byte, or -1 at the end of the file. */
  peek(): number {
    if (this.pos === this.#end) {
      this.#end = readSync(this.#fd, this.#buffer, 0, this.#buffer.length, null);
      this.pos = 0;
      if (this.#end === 0) return -1;
    }
    return this.#buffer[this.pos]!;
  }
  next(): number {
    const byte = this.peek();
    if (byte >= 0) this.pos++;
    return byte;
  }
  /** Skips white space, then the next byte must be `expected`. */
  expect(expected: number) {
    let byte = this.next();
    while (isSpace(byte)) byte = this.next();
    if (byte !== expected) throw new Error(`heap snapshot: expected '${String.fromCharCode(expected)}', found byte ${byte}`);
  }
  /** The next non-space byte, not consumed. */
  peekToken(): number {
    let byte = this.peek();
    while (isSpace(byte)) {
      this.pos++;
      byte = this.peek();
    }
    return byte;
  }
  /** A JSON string, its opening quote already consumed. */
  string(): string {
    const parts: Buffer[] = [];
    let escaped = false;
    let escapes = false;
    for (;;) {
      if (this.peek() < 0) throw new Error('heap snapshot: the file ends inside a string');
      const buffer = this.#buffer;
      const start = this.pos;
      let pos = start;
      let closed = false;
      for (; pos < this.#end; pos++) {
        const byte = buffer[pos]!;
        if (escaped) escaped = false;
        else if (byte === backslash) escaped = escapes = true;
        else if (byte === quote) {
          closed = true;
          break;
        }
      }
      // Copied: the buffer is reused for the next chunk.
      parts.push(Buffer.from(buffer.subarray(start, pos)));
      this.pos = closed ? pos + 1 : pos;
      if (closed) break;
    }
    const text = Buffer.concat(parts).toString('utf8');
    return escapes ? (JSON.parse(`"${text}"`) as string) : text;
  }
  /** An array of non-negative integers, its `[` not yet consumed; each goes to `sink`. */
  integers(sink: (value: number) => void) {
    this.expect(openBracket);
    let value = -1;
    for (;;) {
      if (this.peek() < 0) throw new Error('heap snapshot: the file ends inside an array');
      const buffer = this.#buffer;
      let pos = this.pos;
      const end = this.#end;
      for (; pos < end; pos++) {
        const byte = buffer[pos]!;
        if (byte >= 0x30 && byte <= 0x39) value = value < 0 ? byte - 0x30 : value * 10 + byte - 0x30;
        else if (byte === comma || isSpace(byte) || byte === closeBracket) {
          if (value >= 0) sink(value);
          value = -1;
          if (byte === closeBracket) {
            this.pos = pos + 1;
            return;
          }
        } else throw new Error(`heap snapshot: unexpected byte ${byte} in an array of integers`);
      }
      this.pos = pos;
    }
  }
  /** Any JSON value, returned as its text (only used for the small header). */
  rawValue(): string {
    const parts: string[] = [];
    let depth = 0;
    for (;;) {
      const byte = this.peekToken();
      if (byte < 0) throw new Error('heap snapshot: the file ends inside a value');
      this.pos++;
      if (byte === quote) parts.push(JSON.stringify(this.string()));
      else {
        parts.push(String.fromCharCode(byte));
        if (byte === openBrace || byte === openBracket) depth++;
        else if (byte === closeBrace || byte === closeBracket) depth--;
      }
      if (depth === 0 && (byte === closeBrace || byte === closeBracket || byte === quote || this.#atValueEnd())) return parts.join('');
    }
  }
  #atValueEnd(): boolean {
    const byte = this.peekToken();
    return byte === comma || byte === closeBrace || byte === closeBracket;
  }
}

export function readHeapSnapshot(file: string): HeapSnapshot {
  const reader = new Reader(file);
  try {
    let meta: Meta | null = null;
    let nodes = new Uint32Array(0);
    let edges = new Uint32Array(0);
    const locations = new Integers(1 << 16);
    const strings: string[] = [];
    reader.expect(openBrace);
    for (;;) {
      const token = reader.peekToken();
      if (token === closeBrace) break;
      if (token === comma) {
        reader.pos++;
        continue;
      }
      reader.expect(quote);
      const key = reader.string();
      reader.expect(colon);
      if (key === 'snapshot') {
        const header = JSON.parse(reader.rawValue()) as { meta: Meta; node_count: number; edge_count: number };
        meta = header.meta;
        nodes = new Uint32Array(header.node_count * meta.node_fields.length);
        edges = new Uint32Array(header.edge_count * meta.edge_fields.length);
      } else if (key === 'nodes' || key === 'edges') {
        const target = key === 'nodes' ? nodes : edges;
        let count = 0;
        reader.integers((value) => {
          target[count++] = value;
        });
        if (count !== target.length) throw new Error(`heap snapshot: ${count} values in "${key}", the header says ${target.length}`);
      } else if (key === 'locations') {
        reader.integers((value) => locations.push(value));
      } else if (key === 'strings') {
        reader.expect(openBracket);
        for (;;) {
          const next = reader.peekToken();
          reader.pos++;
          if (next === closeBracket) break;
          if (next === comma) continue;
          if (next !== quote) throw new Error(`heap snapshot: unexpected byte ${next} in "strings"`);
          strings.push(reader.string());
        }
      } else {
        // trace_function_infos, trace_tree, samples: empty unless allocations were tracked.
        reader.rawValue();
      }
    }
    if (!meta) throw new Error('heap snapshot: no "snapshot" header');
    return {
      nodeFields: meta.node_fields,
      nodeTypes: meta.node_types[0],
      edgeFields: meta.edge_fields,
      edgeTypes: meta.edge_types[0],
      nodes,
      edges,
      locations: locations.values(),
      strings,
    };
  } finally {
    reader.close();
  }
}

/** Where a function's code starts in the script V8 ran: 0-based, as V8 and source maps count. */
export interface Site {
  script: string;
  line: number;
  column: number;
}

/** The parts of a snapshot the census needs, with each node's outgoing edges found in O(1). */
export class SnapshotGraph {
  readonly nodeCount: number;
  readonly #fieldCount: number;
  readonly #edgeFieldCount: number;
  readonly #typeField: number;
  readonly #nameField: number;
  readonly #sizeField: number;
  readonly #idField: number;
  readonly #firstEdge: Uint32Array;
  readonly #internal: number;
  readonly #sites = new Map<number, { line: number; column: number }>();

  constructor(readonly snapshot: HeapSnapshot) {
    const { nodes, nodeFields, edgeFields } = snapshot;
    this.#fieldCount = nodeFields.length;
    this.#edgeFieldCount = edgeFields.length;
    this.#typeField = nodeFields.indexOf('type');
    this.#nameField = nodeFields.indexOf('name');
    this.#sizeField = nodeFields.indexOf('self_size');
    this.#idField = nodeFields.indexOf('id');
    this.#internal = snapshot.edgeTypes.indexOf('internal');
    this.nodeCount = nodes.length / this.#fieldCount;
    const edgeCountField = nodeFields.indexOf('edge_count');
    this.#firstEdge = new Uint32Array(this.nodeCount + 1);
    for (let node = 0, edge = 0; node < this.nodeCount; node++) {
      this.#firstEdge[node] = edge;
      edge += nodes[node * this.#fieldCount + edgeCountField]! * this.#edgeFieldCount;
      this.#firstEdge[node + 1] = edge;
    }
    const locationFields = 4;
    for (let i = 0; i < snapshot.locations.length; i += locationFields) {
      this.#sites.set(snapshot.locations[i]! / this.#fieldCount, { line: snapshot.locations[i + 2]!, column: snapshot.locations[i + 3]! });
    }
  }

  selfSize(node: number): number {
    return this.snapshot.nodes[node * this.#fieldCount + this.#sizeField]!;
  }
  /** The same object has the same id in every snapshot of a process. */
  id(node: number): number {
    return this.snapshot.nodes[node * this.#fieldCount + this.#idField]!;
  }
  type(node: number): string {
    return this.snapshot.nodeTypes[this.snapshot.nodes[node * this.#fieldCount + this.#typeField]!]!;
  }
  name(node: number): string {
    return this.snapshot.strings[this.snapshot.nodes[node * this.#fieldCount + this.#nameField]!]!;
  }
  /** Calls `visit` with each edge's type, name (a string, or an index for elements), target node. */
  edges(node: number, visit: (type: number, nameOrIndex: number, to: number) => void) {
    const { edges } = this.snapshot;
    for (let edge = this.#firstEdge[node]!; edge < this.#firstEdge[node + 1]!; edge += this.#edgeFieldCount) {
      visit(edges[edge]!, edges[edge + 1]!, edges[edge + 2]! / this.#fieldCount);
    }
  }
  /** The node an internal edge named `edgeName` leads to, or -1. */
  internalEdge(node: number, edgeName: string): number {
    const { edges, strings } = this.snapshot;
    for (let edge = this.#firstEdge[node]!; edge < this.#firstEdge[node + 1]!; edge += this.#edgeFieldCount) {
      if (edges[edge] === this.#internal && strings[edges[edge + 1]!] === edgeName) return edges[edge + 2]! / this.#fieldCount;
    }
    return -1;
  }
  /** A closure's script and position; null for V8's built-in functions, which have no script. */
  site(closure: number): Site | null {
    const shared = this.internalEdge(closure, 'shared');
    const script = shared < 0 ? -1 : this.internalEdge(shared, 'script_or_debug_info');
    const position = this.#sites.get(closure);
    if (script < 0 || this.name(script) === '' || !position) return null;
    return { script: this.name(script), ...position };
  }
}

/** `script:line:column`, the key under which a located site is found. */
export const siteKey = ({ script, line, column }: Site) => `${script}:${line}:${column}`;

/**
 * Scripts under `root` outside node_modules: tsx runs those compiled, and only their source
 * maps tell the line of the TypeScript source.
 */
export const isCompiled = (script: string, root: string) => script.startsWith(`file://${root}`) && !script.includes('/node_modules/');

/** The sites of closures in compiled scripts (see isCompiled). */
export function compiledSites(graph: SnapshotGraph, root: string): Site[] {
  const sites = new Map<string, Site>();
  for (let node = 0; node < graph.nodeCount; node++) {
    if (graph.type(node) !== 'closure') continue;
    const site = graph.site(node);
    if (site && isCompiled(site.script, root)) sites.set(siteKey(site), site);
  }
  return [...sites.values()];
}

export interface Category {
  bytes: number;
  count: number;
}

/** What a snapshot holds, by category, with each node's category for a closer look. */
export interface Census {
  graph: SnapshotGraph;
  categories: Map<string, Category>;
  /** Per category, its kind: V8's node type, with closures' contexts and Map and Set backing stores apart. */
  kinds: Map<string, string>;
  /** Per node, the index of its category in `names`. */
  categoryOf: Uint32Array;
  names: string[];
  totalBytes: number;
  /** Node ids, sorted: ids stay the same for an object across the snapshots of one process. */
  ids: Uint32Array;
}

/**
 * A file name short enough for a table: the package and file under node_modules, the path
 * under the repository, or a Node built-in as it is.
 */
export function shortScript(name: string, root: string): string {
  const path = name.replace(/^file:\/\//, '');
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) return path.slice(modules + '/node_modules/'.length);
  return path.startsWith(root) ? path.slice(root.length) : path;
}

/**
 * Sums self sizes by category: the constructor's name for an object; `closure <name>` with its
 * file and line for a function (`located` gives the TypeScript source's line for what tsx
 * compiled, by siteKey); for a function's context (a `system / Context` that a closure points
 * to), the first such closure; the backing store of a Map or Set apart; strings, code, V8's
 * internal objects ("(system)") and Node's native objects by kind.
 */
export function census(graph: SnapshotGraph, root: string, located: Map<string, string>): Census {
  const { nodeCount } = graph;

  // Labels decided by another node: contexts by a closure, backing stores by their Map or Set.
  const labels = new Map<number, string>();
  const closureLabel = (node: number) => {
    const site = graph.site(node);
    const where = site ? (located.get(siteKey(site)) ?? `${shortScript(site.script, root)}:${site.line + 1}`) : 'V8 built-in';
    return `closure ${graph.name(node) || '(anonymous)'} (${where})`;
  };
  for (let node = 0; node < nodeCount; node++) {
    const kind = graph.type(node);
    if (kind === 'closure') {
      const label = closureLabel(node);
      labels.set(node, label);
      const context = graph.internalEdge(node, 'context');
      if (context >= 0 && !labels.has(context) && graph.name(context) === 'system / Context') labels.set(context, `context of ${label}`);
    } else if (kind === 'object' && /^(Map|Set|WeakMap|WeakSet)$/.test(graph.name(node))) {
      const table = graph.internalEdge(node, 'table');
      if (table >= 0) labels.set(table, `(${graph.name(node)} backing store)`);
    }
  }

  const names: string[] = [];
  const index = new Map<string, number>();
  const categories = new Map<string, Category>();
  const kinds = new Map<string, string>();
  const categoryOf = new Uint32Array(nodeCount);
  const ids = new Uint32Array(nodeCount);
  let totalBytes = 0;
  for (let node = 0; node < nodeCount; node++) {
    const kind = graph.type(node);
    const nodeName = graph.name(node);
    const system = nodeName.replace(/^system \/ /, '');
    let label = labels.get(node);
    if (!label) {
      switch (kind) {
        case 'object':
          label = nodeName === 'system / Context' ? '(system) Context' : nodeName;
          break;
        case 'string':
        case 'concatenated string':
        case 'sliced string':
          label = kind === 'string' ? 'string' : `string (${kind.split(' ')[0]})`;
          break;
        case 'array':
          label = `array ${nodeName || '(internal)'}`;
          break;
        case 'hidden':
        case 'object shape':
          label = `(system) ${system}`;
          break;
        case 'code':
          label = 'code';
          break;
        case 'number':
          label = 'heap number';
          break;
        default:
          label = `${kind} ${system}`;
      }
    }
    let at = index.get(label);
    if (at === undefined) {
      at = names.length;
      names.push(label);
      index.set(label, at);
      categories.set(label, { bytes: 0, count: 0 });
      kinds.set(
        label,
        /^(context of |\(system\) Context$)/.test(label) ? 'context' : label.endsWith('backing store)') ? 'backing store' : kind,
      );
    }
    categoryOf[node] = at;
    const size = graph.selfSize(node);
    const category = categories.get(label)!;
    category.bytes += size;
    category.count++;
    totalBytes += size;
    ids[node] = graph.id(node);
  }
  ids.sort();
  return { graph, categories, kinds, categoryOf, names, totalBytes, ids };
}

const contains = (sorted: Uint32Array, value: number) => {
  let low = 0;
  let high = sorted.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const at = sorted[middle]!;
    if (at === value) return true;
    if (at < value) low = middle + 1;
    else high = middle - 1;
  }
  return false;
};

/**
 * For the objects of `after` that `before` did not have (by node id), per category in `wanted`,
 * how often each chain of retainers occurs, `depth` steps up: `Subscriber ← (Set backing
 * store)[] ← Set.table`, say. An object's retainer is the one on a shortest path from the GC
 * roots (breadth first, weak references left out), as DevTools orders them; so a chain is one
 * path among possibly several. The property and element arrays of an object are stepped over:
 * its owner is named instead.
 */
export function retainerChains(before: Census, after: Census, depth: number, wanted: Set<string>): Map<string, Map<string, number>> {
  const { graph } = after;
  const { nodeCount } = graph;
  const { edgeTypes, strings } = graph.snapshot;
  const [weak, element, hidden] = ['weak', 'element', 'hidden'].map((t) => edgeTypes.indexOf(t));
  const skipped = new Set(['array (object properties)', 'array (object elements)', '(system) PropertyArray']);

  const retainer = new Int32Array(nodeCount).fill(-1);
  /** How the retainer refers to the node: `.name` or `[]`. */
  const via: string[] = new Array(nodeCount);
  const queue = new Uint32Array(nodeCount);
  let head = 0;
  let tail = 0;
  const root = 0;
  retainer[root] = root;
  queue[tail++] = root;
  while (head < tail) {
    const node = queue[head++]!;
    graph.edges(node, (type, nameOrIndex, to) => {
      if (type === weak || retainer[to] !== -1) return;
      retainer[to] = node;
      if (type === element || type === hidden) via[to] = '[]';
      else {
        const edgeName = strings[nameOrIndex]!;
        // An ephemeron's edges are named after both ends' ids: one name per entry otherwise.
        via[to] = / part of key /.test(edgeName) ? '[entry]' : `.${edgeName}`;
      }
      queue[tail++] = to;
    });
  }

  const chains = new Map<string, Map<string, number>>();
  for (let node = 0; node < nodeCount; node++) {
    const category = after.names[after.categoryOf[node]!]!;
    if (!wanted.has(category) || contains(before.ids, graph.id(node))) continue;
    const steps: string[] = [];
    let at = node;
    let path = '';
    for (let hops = 0; steps.length < depth && hops < depth * 4; hops++) {
      const up = retainer[at]!;
      if (up < 0 || at === root) break;
      path = via[at]! + path;
      at = up;
      const label = after.names[after.categoryOf[at]!]!;
      if (skipped.has(label)) continue;
      steps.push(`${label}${path}`);
      path = '';
    }
    let counts = chains.get(category);
    if (!counts) {
      counts = new Map();
      chains.set(category, counts);
    }
    const chain = steps.join(' ← ');
    counts.set(chain, (counts.get(chain) ?? 0) + 1);
  }
  return chains;
}
