/**
 * The widget's GraphQL operations, as strings (an AST would triple their weight in the
 * bundle). tests/widget/documents.test.ts validates each against the schema.
 */

const comment = `fragment ThreadlineComment on Comment {
  id number createdAt editedAt editableUntil isDeleted body bodyHtml replyCount isPinned
  reactions { kind count }
  author { handle name }
  parent { id number }
  quotedBy(first: 10) { totalCount edges { node { number } } }
}`;

/**
 * The same operation asking each comment's moderation status, and whether the reader reacted,
 * as well: for a signed-in reader only. Both are theirs alone (their own comments awaiting
 * review, their own reactions), so an answer that asks for them is private and never cached:
 * anonymous readers keep the shared one.
 */
export const withStatus = (operation: string) =>
  operation
    .replace('isDeleted body', 'isDeleted status body')
    .replace('reactions { kind count }', 'reactions { kind count viewerHasReacted }');

const replies = `replies(first: $replies) { pageInfo { hasNextPage endCursor } edges { node { ...ThreadlineComment } } }`;

export const threadQuery = `query ThreadlineThread($slug: String!, $first: Int, $after: String, $last: Int, $before: String, $replies: Int!) {
  article(slug: $slug) {
    id title commentCount commentsLocked liveCursor
    pinnedComments { ...ThreadlineComment ${replies} }
    comments(first: $first, after: $after, last: $last, before: $before, topLevelOnly: true) {
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { node { ...ThreadlineComment ${replies.replace('...ThreadlineComment', `...ThreadlineComment ${replies}`)} } }
    }
  }
}
${comment}`;

export const repliesQuery = `query ThreadlineReplies($id: ID!, $first: Int!, $after: String) {
  node(id: $id) { ... on Comment { replies(first: $first, after: $after) { pageInfo { hasNextPage endCursor } edges { node { ...ThreadlineComment } } } } }
}
${comment}`;

export const numberQuery = `query ThreadlineNumber($slug: String!, $number: Int!) { article(slug: $slug) { comment(number: $number) { id } } }`;

export const permalinkQuery = `query ThreadlinePermalink($id: ID!, $pageSize: Int!) {
  article: permalink(commentId: $id, pageSize: $pageSize) {
    comment { ...ThreadlineComment }
    ancestors { ...ThreadlineComment }
    comments { pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { node { ...ThreadlineComment } } }
  }
}
${comment}`;

const failure = '... on Error { __typename message }';

// Writes are always signed in: their answers say whether the comment awaits review.
export const postMutation = `mutation ThreadlinePost($input: PostCommentInput!) {
  result: postComment(input: $input) { ... on PostCommentSuccess { comment { ...ThreadlineComment } } ${failure} }
}
${withStatus(comment)}`;

export const editMutation = `mutation ThreadlineEdit($input: EditCommentInput!) {
  result: editComment(input: $input) { ... on EditCommentSuccess { comment { ...ThreadlineComment } } ${failure} }
}
${withStatus(comment)}`;

export const deleteMutation = `mutation ThreadlineDelete($input: DeleteCommentInput!) {
  result: deleteComment(input: $input) { ... on DeleteCommentSuccess { comment { ...ThreadlineComment } } ${failure} }
}
${withStatus(comment)}`;

/** A reaction, or taking it back; the answer carries the counts as they are now. */
export const reactMutation = (on: boolean) => `mutation ThreadlineReact($input: ${on ? 'React' : 'Unreact'}Input!) {
  result: ${on ? 'react' : 'unreact'}(input: $input) { ... on ${on ? 'React' : 'Unreact'}Success { comment { id reactions { kind count viewerHasReacted } } } ${failure} }
}`;

export const reportMutation = `mutation ThreadlineReport($input: ReportCommentInput!) {
  result: reportComment(input: $input) { ... on ReportCommentSuccess { comment { id } } ${failure} }
}`;

export const addedSubscription = `subscription ThreadlineAdded($articleId: ID!, $after: String) {
  event: commentAdded(articleId: $articleId, after: $after) { cursor comment { ...ThreadlineComment } }
}
${comment}`;

export const changedSubscription = `subscription ThreadlineChanged($articleId: ID!, $after: String) {
  event: commentChanged(articleId: $articleId, after: $after) { cursor comment { ...ThreadlineComment } }
}
${comment}`;

export interface CommentData {
  id: string;
  number: number;
  createdAt: string;
  editedAt: string | null;
  editableUntil: string | null;
  isDeleted: boolean;
  /** Asked for signed-in readers only: PENDING or REJECTED on their own comments not published. */
  status?: 'PUBLISHED' | 'PENDING' | 'REJECTED' | 'HIDDEN' | 'DELETED' | null;
  body: string;
  bodyHtml: string;
  replyCount: number;
  isPinned: boolean;
  /** `viewerHasReacted` is asked for signed-in readers only. */
  reactions: Reaction[];
  author: { handle: string; name: string };
  parent: { id: string; number: number } | null;
  quotedBy: { totalCount: number; edges: { node: { number: number } }[] };
  replies?: Page;
}

export interface Reaction {
  kind: string;
  count: number;
  viewerHasReacted?: boolean;
}

export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage?: boolean;
  startCursor?: string | null;
  endCursor: string | null;
}

export interface Page {
  pageInfo: PageInfo;
  edges: { node: CommentData }[];
}

export interface ThreadArticle {
  id: string;
  title: string;
  commentCount: number;
  commentsLocked: boolean;
  liveCursor: string;
  pinnedComments: CommentData[];
  comments: Page;
}

export interface Permalink {
  comment: CommentData;
  ancestors: CommentData[];
  comments: Page;
}

/** A write's answer: the comment, or one of the schema's typed errors in words. */
export type WriteResult = { comment: CommentData } | { __typename: string; message: string };

/** reportComment's reasons, as the widget offers them. */
export const reportReasons = [
  ['SPAM', 'Spam'],
  ['ABUSE', 'Abuse or harassment'],
  ['OFF_TOPIC', 'Off topic'],
  ['OTHER', 'Something else'],
] as const;
