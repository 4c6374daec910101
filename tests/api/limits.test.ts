// Every response is bounded, whatever the data: the attacks of issue 9 on threads built to make them large.
import { readdirSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getNamedType, isListType, isNonNullType, isObjectType, Kind, type OperationDefinitionNode, parse } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { defaultRequestLimits, loadConfig } from '../../src/config.js';
import { loadPages } from '../../src/read/pages.js';
import * as relations from '../../src/read/relations.js';
import { schema } from '../../src/schema/index.js';
import { measureOf, measureOperation } from '../../src/security/cost.js';
import { seedDemoIfEmpty } from '../../src/seed.js';
import { insertHotComment, insertQuotedByFan, insertRevisionFan } from '../fixtures/hostile.js';
import { db, demoSlug, globalId, post, statementsOf, testApp } from '../helpers.js';

const fan = (alias: string, slug: string, selection = 'body') =>
  `${alias}: article(slug: "${slug}") { comments(first: 100) { edges { node { quotedBy(first: 100) { edges { node { ${selection} } } } } } } }`;
const aliases = (count: number, make: (alias: string) => string) =>
  `{ ${Array.from({ length: count }, (_, i) => make(`a${i}`)).join(' ')} }`;

let app: App;
let address: AddressInfo;
let revisedId: string;

beforeAll(async () => {
  await seedDemoIfEmpty(db);
  // 100 comments, each quoted by 90 comments of 5,000 characters: 45 MB of text in reach of one query.
  await insertQuotedByFan(db, 'fan', { sources: 100, quotersPerSource: 90, bodyLength: 5000 });
  revisedId = globalId('Comment', await insertRevisionFan(db, 'revised', { count: 500, bodyLength: 5000 }));
  // The limits `npm start` would have on this database.
  app = testApp({ requestLimits: loadConfig().requestLimits });
  address = await app.start(0, '127.0.0.1');
}, 180_000);

describe('what a request may ask for, measured before it runs', () => {
  it('refuses the quotedBy fan in three and in ten aliases, before any statement', async () => {
    for (const count of [3, 10]) {
      let response: Awaited<ReturnType<typeof post>> | undefined;
      const statements = await statementsOf(async () => {
        response = await post(
          app,
          aliases(count, (alias) => fan(alias, 'fan')),
        );
      });
      expect(response!.status).toBe(400);
      expect(response!.body.errors?.[0]).toMatchObject({
        extensions: { code: 'TOO_MANY_NODES', limit: defaultRequestLimits.maxNodes, found: count * 10_100 },
      });
      expect(response!.body.data ?? null).toBeNull();
      expect(statements).toEqual([]);
    }
  });

  it('counts a page from its literal, its variable, the variable’s default and the field’s default', () => {
    const measure = (text: string, variables: Record<string, unknown> = {}) => measureOperation(schema, parse(text), undefined, variables);
    const replies = (first: string) =>
      `article(slug: "x") { comments(first: 10) { edges { node { replies(${first}) { edges { node { id } } } } } } }`;
    expect(measure(`{ ${replies('first: 7')} }`).nodes).toBe(10 + 70);
    expect(measure(`query ($n: Int) { ${replies('first: $n')} }`, { n: 3 }).nodes).toBe(10 + 30);
    expect(measure(`query ($n: Int = 5) { ${replies('first: $n')} }`).nodes).toBe(10 + 50);
    expect(measure(`{ ${replies('last: 4')} }`).nodes).toBe(10 + 40);
    // Left out: the connection's default page (20); the thread's is 100.
    expect(measure(`{ ${replies('orderBy: NEWEST')} }`).nodes).toBe(10 + 200);
    expect(measure('{ article(slug: "x") { thread { edges { node { id } } } } }').nodes).toBe(100);
    // Out of range: refused by the resolver; counted at the most a page can hold.
    expect(measure(`{ ${replies('first: 5000')} }`).nodes).toBe(10 + 1000);
    // Lists count their documented maximum, and the fields below them once per item.
    expect(measure('{ article(slug: "x") { tags { name } } }')).toEqual({ nodes: 50, cost: 1 + 1 + 50 });
    expect(measure('query ($ids: [ID!]!) { nodes(ids: $ids) { id } }', { ids: ['a', 'b', 'c'] })).toEqual({ nodes: 3, cost: 1 + 3 });
    // Fragments and inline fragments count where they are spread.
    const fragment = measure(
      '{ node(id: "x") { ... on Comment { ...F } } } fragment F on Comment { quotedBy(first: 2) { edges { node { id number } } } }',
    );
    expect(fragment).toEqual({ nodes: 2, cost: 1 + 1 + 1 + 2 + 2 * 2 });
  });

  it('lets every client document and README example through at the default limits', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const examples = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((match) => parse(match[1]!));
    expect(examples.length).toBeGreaterThanOrEqual(3);
    for (const example of examples) {
      const { cost, nodes } = measureOperation(schema, example, undefined, {});
      expect.soft(nodes).toBeLessThanOrEqual(defaultRequestLimits.maxNodes);
      expect.soft(cost).toBeLessThanOrEqual(defaultRequestLimits.maxCost);
    }
    const directory = new URL('../../schema/operations/', import.meta.url);
    for (const file of readdirSync(directory).filter((name) => name.endsWith('.graphql'))) {
      const document = parse(readFileSync(new URL(file, directory), 'utf8'));
      for (const operation of document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)) {
        const { cost, nodes } = measureOperation(schema, document, operation.name?.value, {});
        expect.soft(nodes, `${file} ${operation.name?.value}`).toBeLessThanOrEqual(defaultRequestLimits.maxNodes);
        expect.soft(cost, `${file} ${operation.name?.value}`).toBeLessThanOrEqual(defaultRequestLimits.maxCost);
      }
    }
  });

  it('matches the numbers README.md prints', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const row = (label: string) => {
      const line = readme.split('\n').find((candidate) => candidate.startsWith(`| ${label}`));
      if (!line) throw new Error(`README.md has no row for ${label}`);
      const [nodes, cost] = line
        .split('|')
        .slice(-3, -1)
        .map((cell) => Number(cell.replace(/[^0-9]/g, '')));
      return { nodes, cost };
    };
    const measure = (text: string) => measureOperation(schema, parse(text), undefined, {});
    const operations = new URL('../../schema/operations/article.graphql', import.meta.url);
    const documents = parse(readFileSync(operations, 'utf8'));
    expect(row('`ArticleThread`')).toEqual(measureOperation(schema, documents, 'ArticleThread', {}));
    expect(row('`ArticleNested`')).toEqual(measureOperation(schema, documents, 'ArticleNested', {}));
    expect(row('`quotedBy` fan')).toEqual(measure(aliases(1, (alias) => fan(alias, 'x'))));
    expect(row('the same in three aliases')).toEqual(measure(aliases(3, (alias) => fan(alias, 'x'))));
    expect(row('*the limits*')).toEqual({ nodes: defaultRequestLimits.maxNodes, cost: defaultRequestLimits.maxCost });
  });

  it('knows a bound for every list of the schema: a connection’s page, or a documented maximum', () => {
    const unbounded: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__')) continue;
      for (const field of Object.values(type.getFields())) {
        const returns = isNonNullType(field.type) ? field.type.ofType : field.type;
        const measure = measureOf(field);
        const isConnection = getNamedType(field.type).name.endsWith('Connection');
        if (isConnection && !measure?.pageSizes) unbounded.push(`${type.name}.${field.name} (a connection without page sizes)`);
        if (!isListType(returns) || (field.name === 'edges' && type.name.endsWith('Connection'))) continue;
        if (measure?.maxItems === undefined && measure?.itemsFromArgument === undefined) unbounded.push(`${type.name}.${field.name}`);
        else expect(field.description ?? '', `${type.name}.${field.name} documents its bound`).toMatch(/at most/i);
      }
    }
    expect(unbounded).toEqual([]);
  });
});

describe('what a request may produce', () => {
  it('stops the quotedBy fan with RESPONSE_TOO_LARGE once the text it reads passes the budget', async () => {
    const statements = await statementsOf(async () => {
      const { status, body } = await post(
        app,
        aliases(1, (alias) => fan(alias, 'fan')),
      );
      expect(status).toBe(200);
      expect(body.errors).toEqual([
        expect.objectContaining({
          extensions: expect.objectContaining({ code: 'RESPONSE_TOO_LARGE', limit: defaultRequestLimits.maxResponseBytes }),
        }),
      ]);
      expect(body.data ?? null).toBeNull();
      expect(JSON.stringify(body).length).toBeLessThan(1000);
    });
    // 9,000 quoting comments would take nine batches of 1,000; the first batch was over the budget.
    const batches = statements.filter((sql) => /FROM\s+\W*(main\W+)?\W*Comment\W+\s+WHERE\s.*\bIN\b/is.test(sql) && !/"Quote"/.test(sql));
    expect(batches.length).toBeLessThanOrEqual(2);
  });

  it('pages a comment’s revisions, and stops fifteen aliases of its longest pages', async () => {
    const revisions = (first: string) => (alias: string) =>
      `${alias}: node(id: "${revisedId}") { ... on Comment { revisions${first} { totalCount edges { node { body } } } } }`;
    const bounded = await post(app, aliases(15, revisions('')));
    expect(bounded.body.errors).toBeUndefined();
    const first = (bounded.body.data as Record<string, { revisions: { totalCount: number; edges: unknown[] } }>).a0!.revisions;
    expect(first).toMatchObject({ totalCount: 500 });
    expect(first.edges).toHaveLength(20);
    const stopped = await post(app, aliases(15, revisions('(first: 100)')));
    expect(stopped.body.errors?.[0]?.extensions?.code).toBe('RESPONSE_TOO_LARGE');
    expect(stopped.body.data ?? null).toBeNull();
  });

  it('counts small values too: a budget of a few kilobytes stops a long list of short fields', async () => {
    const small = testApp({ requestLimits: { ...defaultRequestLimits, maxResponseBytes: 2048 } });
    const { body } = await post(
      small,
      `{ article(slug: "${demoSlug}") { thread(first: 500) { edges { node { number depth createdAt } } } } }`,
    );
    expect(body.errors?.[0]?.extensions?.code).toBe('RESPONSE_TOO_LARGE');
    const fine = await post(small, `{ article(slug: "${demoSlug}") { thread(first: 5) { edges { node { number } } } } }`);
    expect(fine.body.errors).toBeUndefined();
  });

  it('keeps answering other clients while attacks run beside them', async () => {
    const endpoint = `http://127.0.0.1:${address.port}/graphql`;
    const send = (query: string) =>
      fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) }).then(
        async (response) => (await response.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] },
      );
    // The other client, on a connection of its own.
    const ask = (query: string) =>
      new Promise<{ data?: unknown; errors?: unknown[] }>((resolve, reject) => {
        const request = httpRequest(
          endpoint,
          { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } },
          (response) => {
            let text = '';
            response.setEncoding('utf8');
            response.on('data', (chunk: string) => {
              text += chunk;
            });
            response.on('end', () => resolve(JSON.parse(text)));
          },
        );
        request.on('error', reject);
        request.end(JSON.stringify({ query }));
      });
    const revisionsFan = (alias: string) =>
      `${alias}: node(id: "${revisedId}") { ... on Comment { revisions(first: 100) { edges { node { body } } } } }`;
    let attacking = true;
    const attacks = Promise.all([
      ...Array.from({ length: 12 }, () => send(aliases(1, (alias) => fan(alias, 'fan')))),
      ...Array.from({ length: 4 }, () => send(aliases(10, (alias) => fan(alias, 'fan')))),
      ...Array.from({ length: 4 }, () => send(aliases(15, revisionsFan))),
    ]).finally(() => {
      attacking = false;
    });
    const answeredDuringAttacks: unknown[] = [];
    let answered = 0;
    while (attacking && answered < 200) {
      const { data, errors } = await ask(`{ article(slug: "${demoSlug}") { title commentCount } }`);
      expect(errors).toBeUndefined();
      expect(data).toMatchObject({ article: { commentCount: expect.any(Number) } });
      answered++;
      if (attacking) answeredDuringAttacks.push(data);
    }
    const codes = (await attacks).map((result) => result.errors?.[0]?.extensions?.code);
    expect(new Set(codes)).toEqual(new Set(['RESPONSE_TOO_LARGE', 'TOO_MANY_NODES']));
    // Small queries were served between the attacks' turns, not after them: heavy queries take
    // turns (one at a time on SQLite, whose queries run on the event loop), small ones never wait.
    expect(answeredDuringAttacks.length).toBeGreaterThanOrEqual(2);
  });
});

describe('nested pages', () => {
  let hotSlug = '';
  let parents: number[] = [];

  beforeAll(async () => {
    hotSlug = 'hot';
    // One hot comment with 2,000 replies among 49 with 5 each.
    const { articleId } = await insertHotComment(db, hotSlug, { topLevel: 50, replies: 5, hotReplies: 2000 });
    parents = (
      await db.reader.comment.findMany({ where: { articleId, parentId: null }, orderBy: { number: 'asc' }, select: { id: true } })
    ).map((row) => row.id);
  }, 120_000);

  it('load a page of each parent: the first 10 replies of 50 comments are at most 550 rows, not the hot comment’s 2,000', async () => {
    const pages = await loadPages(db, relations.replies('OLDEST', null), parents, { size: 10, forward: true, cursor: null });
    const counts = [...pages.values()].map((ids) => ids.length);
    expect(counts[0]).toBe(11);
    expect(counts.slice(1).every((count) => count === 5)).toBe(true);
    expect(counts.reduce((sum, count) => sum + count, 0)).toBeLessThanOrEqual(550);

    const { body } = await post(
      app,
      `{ article(slug: "${hotSlug}") { comments(first: 50, topLevelOnly: true) { edges { node { replyCount replies(first: 10) { totalCount pageInfo { hasNextPage } edges { node { number } } } } } } } }`,
    );
    expect(body.errors).toBeUndefined();
    // biome-ignore lint/suspicious/noExplicitAny: ad-hoc operation, read by path
    const [hot, other] = (body.data as any).article.comments.edges.map((edge: any) => edge.node);
    expect(hot).toMatchObject({ replyCount: 2000, replies: { totalCount: 2000, pageInfo: { hasNextPage: true } } });
    expect(hot.replies.edges).toHaveLength(10);
    expect(other.replies.edges).toHaveLength(5);
  });

  it('read each parent’s page through an index, stopping at the page', async () => {
    if (db.provider === 'postgresql') {
      const [plan] = await db.reader.$queryRawUnsafe<{ 'QUERY PLAN': unknown }[]>(
        `EXPLAIN (ANALYZE, FORMAT JSON) SELECT s."id" FROM unnest($1::int[]) AS p("key") CROSS JOIN LATERAL (
           SELECT x."id" FROM "Comment" AS x WHERE x."parentId" = p."key" ORDER BY x."number" ASC LIMIT 11) AS s`,
        parents,
      );
      const nodes: { 'Node Type': string; 'Actual Rows': number; 'Actual Loops': number; Plans?: unknown[] }[] = [];
      const walk = (node: (typeof nodes)[number]) => {
        nodes.push(node);
        for (const child of (node.Plans ?? []) as (typeof nodes)[number][]) walk(child);
      };
      walk((plan!['QUERY PLAN'] as { Plan: (typeof nodes)[number] }[])[0]!.Plan);
      const scans = nodes.filter((node) => /Index/.test(node['Node Type']));
      expect(scans.length).toBeGreaterThan(0);
      // Rows per loop (per parent): never more than the page and the one after it.
      for (const scan of scans) expect(scan['Actual Rows']).toBeLessThanOrEqual(11);
    } else {
      const plan = await db.reader.$queryRawUnsafe<{ detail: string }[]>(
        `EXPLAIN QUERY PLAN SELECT p."value", (SELECT json_group_array("id") FROM (
           SELECT x."id" AS "id" FROM "Comment" AS x WHERE x."parentId" = p."value" ORDER BY x."number" ASC LIMIT 11)) FROM json_each(?) AS p`,
        JSON.stringify(parents),
      );
      const details = plan.map((row) => row.detail).join('\n');
      expect(details).toMatch(/SEARCH x USING (COVERING )?INDEX Comment_parentId_number_idx \(parentId=\?\)/);
      expect(details).not.toMatch(/SCAN x/);
    }
  });
});

describe('statements', () => {
  it('never pass the database’s limit of bound parameters, however large the thread', async () => {
    // 100 comments quoted by 400 comments each: 40,000 quoting comments, every quotedBy page full.
    await insertQuotedByFan(db, 'wide', { sources: 100, quotersPerSource: 400, bodyLength: 40 });
    const roomy = testApp({
      requestLimits: { ...defaultRequestLimits, maxNodes: 1_000_000, maxCost: 10_000_000, maxResponseBytes: 512 * 1024 * 1024 },
    });
    let body: Awaited<ReturnType<typeof post>>['body'] | undefined;
    const statements = await statementsOf(async () => {
      ({ body } = await post(
        roomy,
        aliases(1, (alias) => fan(alias, 'wide', 'number author { name } quotes { quotedComment { number } }')),
      ));
    });
    expect(body!.errors).toBeUndefined();
    // biome-ignore lint/suspicious/noExplicitAny: ad-hoc operation, read by path
    const pages = (body!.data as any).a0.comments.edges.map((edge: any) => edge.node.quotedBy.edges.length);
    expect(pages).toEqual(Array.from({ length: 100 }, () => 100));
    const parameters = (sql: string) =>
      db.provider === 'postgresql' ? new Set(sql.match(/\$\d+/g)).size : (sql.match(/\?/g) ?? []).length;
    const most = Math.max(...statements.map(parameters));
    // SQLite's limit is 32,766 and PostgreSQL's 65,535; the widest statement stays far below both.
    expect(most).toBeLessThanOrEqual(2000);
  }, 180_000);
});
