import { GraphQLDeferDirective, GraphQLStreamDirective } from '@graphql-tools/utils';
import { isObjectType, specifiedDirectives } from 'graphql';
import { builder } from '../builder.js';
import { chargeResponses } from '../security/response-budget.js';
import { encodeGlobalId } from '../domain/ids.js';
import { serveCommentRows } from './comment-rows.js';
import { registerNodeTypes } from './ids.js';
import './article.js';
import './article-mutations.js';
import './author.js';
import './ban-mutations.js';
import './comment.js';
import './comment-mutations.js';
import './comment-event.js';
import './comment-revision.js';
import './moderation.js';
import './moderation-events.js';
import './moderation-log.js';
import './moderation-settings.js';
import './notification-preference.js';
import './permalink.js';
import './pin.js';
import './quote.js';
import './reaction.js';
import './tag.js';
import './tag-mutations.js';
import './webhook.js';

// @defer and @stream: Yoga's executor delivers them (useDeferStream adds their validation rules).
export const schema = builder.toSchema({ directives: [...specifiedDirectives, GraphQLDeferDirective, GraphQLStreamDirective] });

// plugin-relay resolves every Node's `id` asynchronously, so each row of a list hands the
// executor a promise and sends the whole object down its slower path: a thousand promises for
// a thousand comments (measured: S1 −10%). Every Node here is a prismaNode keyed by its Int
// `id` under the default encoding, which needs nothing asynchronous.
for (const type of Object.values(schema.getTypeMap())) {
  if (!isObjectType(type) || !type.getInterfaces().some((iface) => iface.name === 'Node')) continue;
  const typename = type.name;
  type.getFields().id!.resolve = (row: { id: number }) => encodeGlobalId(typename, row.id);
  registerNodeTypes([typename]);
}

serveCommentRows(schema);

// Last: every resolver, the ones above included, charges what it produces to the response budget.
chargeResponses(schema);
