/**
 * `<threadline-comments article="slug">`: a thread with nested replies, quotes, posting and live
 * updates, in an open shadow root. Attributes: `article` (the slug), `endpoint` (default: this
 * origin's /graphql), `page-size` (top-level comments and replies per page, default 20). The
 * host site signs readers in: set the `token` property, or give a `getToken` callback (or name a
 * global function in the `get-token` attribute). It is called with `{ interactive: false }` when
 * the thread loads (answer null unless already signed in) and `{ interactive: true }` when the
 * reader posts (it may show the site's sign-in).
 *
 * Live: one graphql-ws client over the resumable WebSocket (src/client/resumable.ts), subscribed
 * after the article's `liveCursor`, so nothing between the read and the subscription is missed
 * and nothing is lost across reconnects. A new comment whose place is above the reader's view is
 * not inserted under them: it is announced and waits behind a "new comments" button.
 *
 * Server-rendered comments (`GET /articles/<slug>/comments?fragment`) placed inside the element
 * stay visible until the widget has drawn the thread, then are taken out.
 */
import { type Client, createClient } from 'graphql-ws/client';
import { resumableWebSocket } from '../client/resumable.js';
import {
  addedSubscription,
  type CommentData,
  changedSubscription,
  deleteMutation,
  editMutation,
  numberQuery,
  type Page,
  type PageInfo,
  type Permalink,
  permalinkQuery,
  postMutation,
  repliesQuery,
  type Reaction,
  reactMutation,
  reportMutation,
  reportReasons,
  type ThreadArticle,
  threadQuery,
  type WriteResult,
  withStatus,
} from './documents.js';
import { quoteSpan } from './quote.js';
import { styles } from './styles.js';

export type TokenSource = (options: { interactive: boolean }) => string | null | undefined | Promise<string | null | undefined>;

type Child = Node | string | null | undefined | false;

/** A small element factory: attributes (true for a bare one), then children. */
function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === true) element.setAttribute(name, '');
    else if (typeof value === 'string') element.setAttribute(name, value);
  }
  for (const child of children) if (child) element.append(child);
  return element;
}

const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

/** The handle a token names (its `sub`), read without checking: only to know which comments are the reader's own. */
function handleOf(token: string | null): string | null {
  const payload = token?.split('.')[1];
  if (!payload) return null;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const sub = (JSON.parse(json) as { sub?: unknown }).sub;
    return typeof sub === 'string' ? sub : null;
  } catch {
    return null;
  }
}

/** A comment on the page. */
interface View {
  data: CommentData;
  item: HTMLLIElement;
  article: HTMLElement;
  replies: HTMLOListElement;
  more: HTMLButtonElement;
  /** Where its replies stand: null until a page of them was loaded; `partial` when only a permalink's one is shown. */
  page: PageInfo | null;
  partial: boolean;
  form: HTMLFormElement | null;
  /** The reader reported it (this visit). */
  reported?: boolean;
}

interface Selected {
  view: View;
  start: number;
  end: number;
}

const commentHash = /^#comment-(\d{1,9})$/;

export class ThreadlineComments extends HTMLElement {
  static observedAttributes = ['article', 'endpoint', 'page-size'];

  /** The host site's sign-in, asked for a token when one is needed. */
  getToken: TokenSource | null = null;
  #token: string | null = null;

  readonly #root: ShadowRoot;
  readonly #heading: HTMLHeadingElement;
  readonly #announcer: HTMLDivElement;
  readonly #status: HTMLParagraphElement;
  readonly #notice: HTMLButtonElement;
  readonly #earlier: HTMLButtonElement;
  readonly #list: HTMLOListElement;
  /** Comments moderators pinned: shown first, and only here. */
  readonly #pinned: HTMLOListElement;
  readonly #later: HTMLButtonElement;
  readonly #composer: HTMLDivElement;
  readonly #server: HTMLDivElement;

  #article: ThreadArticle | null = null;
  readonly #views = new Map<string, View>();
  readonly #byNumber = new Map<number, View>();
  #top: PageInfo = { hasNextPage: false, endCursor: null };
  #pending: CommentData[] = [];
  #selected: Selected | null = null;
  #client: Client | null = null;
  #unsubscribe: (() => void)[] = [];
  #loading = 0;

  constructor() {
    super();
    this.#root = this.attachShadow({ mode: 'open' });
    this.#heading = h('h2', { id: 'threadline-heading', part: 'heading' }, 'Comments');
    this.#announcer = h('div', { class: 'visually-hidden', 'aria-live': 'polite', 'aria-atomic': 'true' });
    this.#status = h('p', { class: 'error', part: 'error', role: 'alert' });
    this.#notice = h('button', { type: 'button', class: 'notice primary', part: 'notice button', hidden: true });
    this.#earlier = h('button', { type: 'button', part: 'button', hidden: true }, 'Earlier comments');
    this.#list = h('ol', { class: 'thread', 'aria-labelledby': 'threadline-heading' });
    this.#pinned = h('ol', { class: 'thread pinned', 'aria-label': 'Pinned comments' });
    this.#later = h('button', { type: 'button', part: 'button', hidden: true }, 'More comments');
    this.#composer = h('div');
    // Server-rendered comments placed in the element show through here until the thread is drawn.
    this.#server = h('div', {}, h('slot'));
    const style = h('style');
    style.textContent = styles;
    this.#root.append(
      style,
      h(
        'section',
        { part: 'thread', 'aria-labelledby': 'threadline-heading' },
        this.#heading,
        this.#announcer,
        this.#status,
        this.#composer,
        this.#notice,
        this.#pinned,
        this.#earlier,
        this.#list,
        this.#later,
        this.#server,
      ),
    );
    this.#notice.addEventListener('click', () => this.#showPending());
    this.#earlier.addEventListener('click', () => void this.#pageTop('earlier'));
    this.#later.addEventListener('click', () => void this.#pageTop('later'));
    this.#root.addEventListener('click', (event) => this.#onLink(event));
  }

  /** The reader's token (from the host site's sign-in); null when signed out. */
  get token(): string | null {
    return this.#token;
  }

  /**
   * Signing in, out, or as somebody else reloads the thread once it is shown: what a reader
   * sees depends on who they are (their own comments awaiting review show to them alone).
   */
  set token(value: string | null) {
    const before = handleOf(this.#token);
    this.#token = value || null;
    // A load under way (or done) was for the reader before: it starts again.
    if (this.#loading > 0 && this.isConnected && handleOf(this.#token) !== before) {
      void this.#start();
      return;
    }
    for (const view of this.#views.values()) this.#draw(view);
    this.#drawComposer();
  }

  connectedCallback(): void {
    document.addEventListener('selectionchange', this.#onSelection);
    window.addEventListener('hashchange', this.#onHash);
    window.addEventListener('offline', this.#onOffline);
    void this.#start();
  }

  disconnectedCallback(): void {
    document.removeEventListener('selectionchange', this.#onSelection);
    window.removeEventListener('hashchange', this.#onHash);
    window.removeEventListener('offline', this.#onOffline);
    // A load still on its way must neither draw nor open a socket for an element that is gone.
    this.#loading++;
    this.#stopLive();
  }

  attributeChangedCallback(_name: string, previous: string | null, value: string | null): void {
    if (previous !== null && previous !== value && this.isConnected) {
      this.#stopLive();
      void this.#start();
    }
  }

  get #slug(): string {
    return this.getAttribute('article') ?? '';
  }

  get #pageSize(): number {
    const size = Number(this.getAttribute('page-size') ?? 20);
    return Number.isInteger(size) && size >= 1 && size <= 100 ? size : 20;
  }

  get #endpoint(): URL {
    return new URL(this.getAttribute('endpoint') ?? '/graphql', location.href);
  }

  async #tokenFor(interactive: boolean): Promise<string | null> {
    if (this.#token) return this.#token;
    let source = this.getToken;
    const named = this.getAttribute('get-token');
    if (!source && named) {
      const found = named.split('.').reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], window);
      if (typeof found === 'function') source = found as TokenSource;
    }
    const token = (await source?.({ interactive })) || null;
    if (token) this.token = token;
    return token;
  }

  async #request<T>(query: string, variables: Record<string, unknown>, token: string | null = null): Promise<T> {
    const response = await fetch(this.#endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
    });
    let payload: { data?: T | null; errors?: { message: string }[] };
    try {
      payload = (await response.json()) as typeof payload;
    } catch {
      throw new Error(`The comment server answered ${response.status}; try again in a moment.`);
    }
    if (payload.errors?.length) throw new Error(payload.errors[0]!.message);
    if (!payload.data) throw new Error('The comment server gave no answer; try again in a moment.');
    return payload.data;
  }

  /**
   * A read: anonymous, the answer every reader shares through the cache, unless the reader is
   * signed in; then it asks for each comment's status too, to show their own awaiting review.
   */
  #read<T>(query: string, variables: Record<string, unknown>): Promise<T> {
    return this.#token ? this.#request<T>(withStatus(query), variables, this.#token) : this.#request<T>(query, variables);
  }

  #say(message: string): void {
    // Emptied first, so that the same words twice are announced twice.
    this.#announcer.textContent = '';
    setTimeout(() => {
      this.#announcer.textContent = message;
    }, 50);
  }

  async #start(): Promise<void> {
    const loading = ++this.#loading;
    this.#status.textContent = '';
    this.setAttribute('aria-busy', 'true');
    try {
      await this.#tokenFor(false).catch(() => null);
      const target = commentHash.exec(location.hash)?.[1];
      const article = await this.#load(loading);
      if (loading !== this.#loading || !article) return;
      if (target) await this.#open(Number(target));
      this.#startLive(article);
    } catch (error) {
      this.#status.textContent = `Comments could not be loaded: ${(error as Error).message}`;
    } finally {
      if (loading === this.#loading) this.removeAttribute('aria-busy');
    }
  }

  /** Loads the article and its first page of top-level comments, replacing what is shown, unless another load (`loading`) began meanwhile. */
  async #load(loading: number): Promise<ThreadArticle | null> {
    const { article } = await this.#read<{ article: ThreadArticle | null }>(threadQuery, {
      slug: this.#slug,
      first: this.#pageSize,
      replies: 5,
    });
    if (loading !== this.#loading || !this.isConnected) return null;
    this.#pending = [];
    this.#notice.hidden = true;
    if (!article) {
      this.#heading.textContent = 'Comments';
      this.#status.textContent = 'There is no published article with this address.';
      return null;
    }
    this.#article = article;
    this.#views.clear();
    this.#byNumber.clear();
    this.#list.replaceChildren();
    this.#pinned.replaceChildren();
    for (const pinned of article.pinnedComments) this.#place(pinned, null);
    this.#showTop(article.comments);
    this.#drawHeading();
    this.#drawComposer();
    this.#takeOver();
    return article;
  }

  /** Shows a page of top-level comments, each with the replies that came with it. */
  #showTop(page: Page): void {
    this.#top = page.pageInfo;
    for (const { node } of page.edges) this.#place(node, null);
    this.#earlier.hidden = !page.pageInfo.hasPreviousPage;
    this.#later.hidden = !page.pageInfo.hasNextPage;
  }

  async #pageTop(direction: 'earlier' | 'later'): Promise<void> {
    const size = this.#pageSize;
    const variables =
      direction === 'later'
        ? { slug: this.#slug, first: size, after: this.#top.endCursor, replies: 5 }
        : { slug: this.#slug, last: size, before: this.#top.startCursor, replies: 5 };
    try {
      const { article } = await this.#read<{ article: ThreadArticle | null }>(threadQuery, variables);
      if (!article) return;
      const { pageInfo } = article.comments;
      for (const { node } of article.comments.edges) this.#place(node, null);
      if (direction === 'later') {
        this.#top = { ...this.#top, hasNextPage: pageInfo.hasNextPage, endCursor: pageInfo.endCursor };
        this.#later.hidden = !pageInfo.hasNextPage;
      } else {
        this.#top = { ...this.#top, hasPreviousPage: pageInfo.hasPreviousPage, startCursor: pageInfo.startCursor };
        this.#earlier.hidden = !pageInfo.hasPreviousPage;
      }
      this.#say(`${plural(article.comments.edges.length, 'more comment')} shown.`);
    } catch (error) {
      this.#status.textContent = (error as Error).message;
    }
  }

  /** The server-rendered thread goes once the widget shows its own. */
  #takeOver(): void {
    this.#server.remove();
    for (const child of [...this.children]) child.remove();
  }

  #drawHeading(): void {
    const article = this.#article;
    if (article) this.#heading.textContent = `${plural(article.commentCount, 'comment')} on “${article.title}”`;
  }

  #drawComposer(): void {
    const article = this.#article;
    if (!article) return;
    if (article.commentsLocked) {
      this.#composer.replaceChildren(h('p', { class: 'deleted' }, 'This thread is closed to new comments.'));
      return;
    }
    if (!this.#composer.firstChild) this.#composer.append(this.#form({ kind: 'post' }));
  }

  /** Puts a comment (and the replies that came with it) in its place, or updates it if it is shown. */
  #place(data: CommentData, before: 'live' | null): View {
    const shown = this.#views.get(data.id);
    if (shown) {
      shown.data = { ...data, replies: undefined };
      this.#draw(shown);
      return shown;
    }
    const view = this.#view(data);
    const parent = data.parent ? this.#views.get(data.parent.id) : undefined;
    if (!parent && data.isPinned) this.#pinned.append(view.item);
    else insertByNumber(parent ? parent.replies : this.#list, view.item, data.number);
    const list = parent ? parent.replies : this.#list;
    if (parent && before === 'live') {
      parent.data.replyCount = Math.max(parent.data.replyCount, list.children.length);
      this.#drawMore(parent);
    }
    for (const reply of data.replies?.edges ?? []) this.#place(reply.node, null);
    return view;
  }

  #view(data: CommentData): View {
    const item = h('li');
    const article = h('article', { id: `comment-${data.number}`, part: 'comment', tabindex: '-1', 'data-comment-id': data.id });
    const replies = h('ol', { 'aria-label': `Replies to comment ${data.number}` });
    const more = h('button', { type: 'button', part: 'button', hidden: true });
    item.append(article, replies, more);
    const view: View = {
      data: { ...data, replies: undefined },
      item,
      article,
      replies,
      more,
      page: data.replies ? data.replies.pageInfo : data.replyCount === 0 ? { hasNextPage: false, endCursor: null } : null,
      partial: false,
      form: null,
    };
    more.addEventListener('click', () => void this.#loadReplies(view));
    this.#views.set(data.id, view);
    this.#byNumber.set(data.number, view);
    this.#draw(view);
    this.#drawMore(view);
    return view;
  }

  /** (Re)draws a comment's own part: header, body, quoted-by and actions. */
  #draw(view: View): void {
    const { data } = view;
    const own = !data.isDeleted && handleOf(this.#token) === data.author.handle;
    const editable = own && data.editableUntil !== null && Date.parse(data.editableUntil) > Date.now();
    // Only its author (and moderators) see a comment that is not published: nobody can reply to it yet.
    const unpublished = data.status === 'PENDING' || data.status === 'REJECTED';
    const locked = this.#article?.commentsLocked ?? false;
    const nameId = `comment-${data.number}-author`;
    view.article.setAttribute('aria-labelledby', nameId);
    const header = h(
      'header',
      {},
      h('strong', { id: nameId, part: 'author' }, data.isDeleted ? 'Deleted comment' : data.author.name),
      h('a', { href: `#comment-${data.number}`, 'aria-label': `Link to comment ${data.number}` }, `#${data.number}`),
      h(
        'time',
        { datetime: data.createdAt },
        new Date(data.createdAt).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }),
      ),
      data.editedAt && !data.isDeleted ? h('span', {}, '(edited)') : null,
      data.parent ? h('span', {}, 'in reply to ', h('a', { href: `#comment-${data.parent.number}` }, `#${data.parent.number}`)) : null,
      unpublished ? h('span', { class: 'badge', part: 'status' }, data.status === 'PENDING' ? 'Awaiting review' : 'Not published') : null,
      data.isPinned ? h('span', { class: 'badge', part: 'pinned' }, 'Pinned') : null,
    );
    const body = h('div', { class: 'body', part: 'body', 'data-body': true });
    if (data.isDeleted) body.append(h('p', { class: 'deleted' }, 'This comment was deleted.'));
    // Sanitised by the server (src/domain/render.ts): paragraphs, links, and quotes linked to their source.
    else body.innerHTML = data.bodyHtml;
    if (unpublished && !data.isDeleted) {
      body.append(
        h(
          'p',
          { class: 'note' },
          data.status === 'PENDING'
            ? 'Only you can see this comment until a moderator approves it.'
            : 'A moderator did not publish this comment: only you can see it.',
        ),
      );
    }
    const quotedBy =
      data.quotedBy.totalCount > 0
        ? h(
            'p',
            { class: 'quoted-by' },
            'Quoted by ',
            ...data.quotedBy.edges.flatMap(({ node }, index) => [
              index > 0 ? ', ' : '',
              h('a', { href: `#comment-${node.number}` }, `#${node.number}`),
            ]),
            data.quotedBy.totalCount > data.quotedBy.edges.length
              ? ` and ${data.quotedBy.totalCount - data.quotedBy.edges.length} more`
              : '',
          )
        : null;
    const actions = h('div', { class: 'actions', part: 'actions' });
    const button = (label: string, name: string, onClick: () => void) => {
      const element = h('button', { type: 'button', part: 'button', 'aria-label': `${name} comment ${data.number}` }, label);
      element.addEventListener('click', onClick);
      actions.append(element);
    };
    if (!data.isDeleted && !unpublished) {
      for (const reaction of data.reactions) {
        const [symbol, name] = reactionLabel(reaction.kind);
        // Named by its own text (the symbol is decoration): "Like comment 3: 2".
        const element = h(
          'button',
          {
            type: 'button',
            part: 'button reaction',
            class: 'reaction',
            'data-kind': reaction.kind,
            'aria-pressed': String(reaction.viewerHasReacted === true),
            title: name,
            disabled: locked,
          },
          symbol ? h('span', { 'aria-hidden': 'true' }, `${symbol} `) : null,
          h('span', { class: 'visually-hidden' }, `${name} comment ${data.number}: `),
          h('span', { class: 'count' }, String(reaction.count)),
        );
        element.addEventListener('click', () => void this.#react(view, reaction));
        actions.append(element);
      }
    }
    if (!locked && !unpublished) button('Reply', 'Reply to', () => this.#openForm(view, null));
    if (!locked && !unpublished && !data.isDeleted) button('Quote', 'Quote', () => this.#quote(view));
    if (editable && !locked) button('Edit', 'Edit', () => this.#openForm(view, null, true));
    if (own) button('Delete', 'Delete', () => void this.#delete(view));
    if (!own && !data.isDeleted && !unpublished) {
      if (view.reported) actions.append(h('span', { part: 'status' }, 'Reported'));
      else button('Report', 'Report', () => this.#openReport(view));
    }
    view.article.replaceChildren(header, body, quotedBy ?? '', actions);
    if (view.form) view.article.append(view.form);
  }

  #drawMore(view: View): void {
    const { data, page, replies } = view;
    const shown = replies.children.length;
    const left = data.replyCount - shown;
    view.more.hidden = left <= 0 || (page !== null && !page.hasNextPage && !view.partial);
    view.more.textContent = shown === 0 ? `Show ${plural(left, 'reply', 'replies')}` : `Show ${plural(left, 'more reply', 'more replies')}`;
    view.more.setAttribute('aria-label', `${view.more.textContent} to comment ${data.number}`);
  }

  async #loadReplies(view: View): Promise<void> {
    try {
      const after = view.partial ? null : (view.page?.endCursor ?? null);
      const { node } = await this.#read<{ node: { replies: Page } | null }>(repliesQuery, {
        id: view.data.id,
        first: this.#pageSize,
        after,
      });
      if (!node) return;
      const first = node.replies.edges.find(({ node: reply }) => !this.#views.has(reply.id));
      for (const { node: reply } of node.replies.edges) this.#place(reply, null);
      view.page = node.replies.pageInfo;
      // A permalink's reply was shown alone: the first full page puts it among its siblings; then page on.
      view.partial = false;
      this.#drawMore(view);
      if (first) this.#views.get(first.node.id)?.article.focus();
    } catch (error) {
      this.#status.textContent = (error as Error).message;
    }
  }

  /** Opens the page holding comment `number` (a #comment-N link) and brings it into view. */
  async #open(number: number): Promise<void> {
    const shown = this.#byNumber.get(number);
    if (shown) {
      this.#focus(shown);
      return;
    }
    try {
      const { article } = await this.#read<{ article: { comment: { id: string } | null } | null }>(numberQuery, {
        slug: this.#slug,
        number,
      });
      const id = article?.comment?.id;
      if (!id) {
        this.#status.textContent = `There is no comment #${number} in this thread.`;
        return;
      }
      const { article: permalink } = await this.#read<{ article: Permalink | null }>(permalinkQuery, { id, pageSize: this.#pageSize });
      if (!permalink) return;
      this.#views.clear();
      this.#byNumber.clear();
      this.#list.replaceChildren();
      this.#showTop(permalink.comments);
      // Its ancestors and itself, each shown under the one before: their siblings come with "show replies".
      for (const data of [...permalink.ancestors.slice(1), permalink.comment]) {
        const parent = data.parent ? this.#views.get(data.parent.id) : undefined;
        if (parent && !this.#views.has(data.id)) {
          parent.partial = true;
          this.#place(data, null);
          this.#drawMore(parent);
        }
      }
      const target = this.#byNumber.get(number);
      if (target) this.#focus(target);
    } catch (error) {
      this.#status.textContent = (error as Error).message;
    }
  }

  #focus(view: View): void {
    for (const marked of this.#root.querySelectorAll('article.target')) marked.classList.remove('target');
    view.article.classList.add('target');
    view.article.scrollIntoView({ block: 'start' });
    view.article.focus({ preventScroll: true });
  }

  readonly #onHash = () => {
    const number = commentHash.exec(location.hash)?.[1];
    if (number && this.#article) void this.#open(Number(number));
  };

  /** Links to comments stay in the widget: its ids live in the shadow root, where the page's own scrolling cannot see them. */
  #onLink(event: Event): void {
    const link = (event.target as Element | null)?.closest?.('a');
    const number = link && commentHash.exec(link.getAttribute('href') ?? '')?.[1];
    if (!number) return;
    event.preventDefault();
    history.replaceState(null, '', `#comment-${number}`);
    void this.#open(Number(number));
  }

  readonly #onSelection = () => {
    const selection = document.getSelection();
    if (!selection || selection.rangeCount === 0) return;
    const composed = (
      selection as Selection & { getComposedRanges?: (options: { shadowRoots: ShadowRoot[] }) => StaticRange[] }
    ).getComposedRanges?.({ shadowRoots: [this.#root] })[0];
    const range = composed ?? selection.getRangeAt(0);
    if (range.collapsed) return;
    const start = range.startContainer;
    const body = (start instanceof Element ? start : start.parentElement)?.closest('[data-body]');
    if (!body?.contains(range.endContainer)) return;
    const view = [...this.#views.values()].find((candidate) => candidate.article.contains(body));
    if (!view) return;
    const whole = document.createRange();
    whole.setStart(range.startContainer, range.startOffset);
    whole.setEnd(range.endContainer, range.endOffset);
    const span = quoteSpan(view.data.body, whole.toString(), ownTextBefore(body, range.startContainer, range.startOffset));
    this.#selected = span ? { view, ...span } : null;
  };

  /**
   * Quote: the words selected in the comment, or, with nothing selected there (from the
   * keyboard), its opening words, as many as a quote may hold, ending at a word's end.
   */
  #quote(view: View): void {
    const { body } = view.data;
    let end = Math.min(body.length, keyboardQuoteLength);
    if (end < body.length) end = Math.max(body.lastIndexOf(' ', end), 1);
    const selected = this.#selected?.view === view ? this.#selected : { view, start: 0, end: Math.min(body.trimEnd().length, end) };
    this.#openForm(view, selected);
  }

  /** Adds the reader's reaction, or takes it back; the counts come back with the answer. */
  async #react(view: View, reaction: Reaction): Promise<void> {
    const token = await this.#tokenFor(true).catch(() => null);
    if (!token) {
      this.#say(`Sign in to react to comment #${view.data.number}.`);
      return;
    }
    try {
      const on = reaction.viewerHasReacted !== true;
      const { result } = await this.#request<{ result: { comment: Pick<CommentData, 'id' | 'reactions'> } | { message: string } }>(
        reactMutation(on),
        { input: { commentId: view.data.id, kind: reaction.kind } },
        token,
      );
      if (!('comment' in result)) {
        this.#say(result.message);
        return;
      }
      view.data = { ...view.data, reactions: result.comment.reactions };
      this.#draw(view);
      view.article.querySelector<HTMLButtonElement>(`button[data-kind="${reaction.kind}"]`)?.focus();
    } catch (error) {
      this.#say((error as Error).message);
    }
  }

  /** Asks why the reader reports the comment, then sends the report: one per reader and comment. */
  #openReport(view: View): void {
    view.form?.remove();
    const { number } = view.data;
    const error = h('p', { class: 'error', part: 'error', role: 'alert' });
    const note = h('textarea', { id: `threadline-report-note-${number}`, name: 'note', part: 'textarea', maxlength: '1000' });
    const submit = h('button', { type: 'submit', class: 'primary', part: 'button' }, 'Send report');
    const cancel = h('button', { type: 'button', part: 'button' }, 'Cancel');
    const form = h(
      'form',
      { part: 'form', 'aria-label': `Report comment #${number}` },
      h(
        'fieldset',
        {},
        h('legend', {}, `Why report comment #${number}?`),
        ...reportReasons.map(([value, label], index) =>
          h(
            'label',
            { class: 'choice' },
            h('input', { type: 'radio', name: 'reason', value, required: true, checked: index === 0 }),
            label,
          ),
        ),
      ),
      h('label', { for: note.id }, 'Anything moderators should know (optional)'),
      note,
      error,
      h('div', { class: 'actions' }, submit, cancel),
    );
    const close = () => {
      form.remove();
      view.form = null;
      view.article.focus();
    };
    cancel.addEventListener('click', close);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void (async () => {
        error.textContent = '';
        submit.disabled = true;
        try {
          const token = await this.#tokenFor(true);
          if (!token) {
            error.textContent = 'Sign in to report a comment.';
            return;
          }
          const reason = new FormData(form).get('reason');
          const { result } = await this.#request<{ result: WriteResult }>(
            reportMutation,
            { input: { commentId: view.data.id, reason, note: note.value.trim() || undefined } },
            token,
          );
          if (!('comment' in result)) {
            error.textContent = result.message;
            return;
          }
          view.reported = true;
          close();
          this.#draw(view);
          this.#say(`Thank you: moderators will look at comment #${number}.`);
        } catch (failure) {
          error.textContent = (failure as Error).message;
        } finally {
          submit.disabled = false;
        }
      })();
    });
    view.form = form;
    view.article.append(form);
    form.querySelector('input')?.focus();
  }

  #openForm(view: View, quote: Selected | null, edit = false): void {
    view.form?.remove();
    view.form = this.#form(edit ? { kind: 'edit', view } : { kind: 'reply', view, quote });
    view.article.append(view.form);
    view.form.querySelector('textarea')?.focus();
  }

  #form(purpose: { kind: 'post' } | { kind: 'reply'; view: View; quote: Selected | null } | { kind: 'edit'; view: View }): HTMLFormElement {
    const id = `threadline-${purpose.kind}-${purpose.kind === 'post' ? 'new' : purpose.view.data.number}`;
    const labels = {
      post: 'Your comment',
      reply: purpose.kind === 'reply' ? `Your reply to #${purpose.view.data.number}` : '',
      edit: purpose.kind === 'edit' ? `Edit comment #${purpose.view.data.number}` : '',
    };
    const textarea = h('textarea', { id, name: 'body', part: 'textarea', required: true, maxlength: '10000' });
    if (purpose.kind === 'edit') textarea.value = purpose.view.data.body;
    const error = h('p', { class: 'error', part: 'error', role: 'alert' });
    const quote = purpose.kind === 'reply' ? purpose.quote : null;
    const quoting = quote
      ? h('p', { class: 'quoting' }, `Quoting #${quote.view.data.number}: “${quote.view.data.body.slice(quote.start, quote.end)}”`)
      : null;
    const submit = h('button', { type: 'submit', class: 'primary', part: 'button' }, purpose.kind === 'edit' ? 'Save' : 'Post');
    const cancel = purpose.kind === 'post' ? null : h('button', { type: 'button', part: 'button' }, 'Cancel');
    const form = h(
      'form',
      { part: 'form', 'aria-label': labels[purpose.kind] },
      h('label', { for: id }, labels[purpose.kind]),
      quoting,
      textarea,
      error,
      h('div', { class: 'actions' }, submit, cancel),
    );
    let idempotencyKey = crypto.randomUUID();
    const close = () => {
      if (purpose.kind === 'post') return;
      form.remove();
      purpose.view.form = null;
      purpose.view.article.focus();
    };
    cancel?.addEventListener('click', close);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void (async () => {
        error.textContent = '';
        submit.disabled = true;
        try {
          const token = await this.#tokenFor(true);
          if (!token) {
            error.textContent = 'Sign in to comment.';
            return;
          }
          const articleId = this.#article!.id;
          const body = textarea.value;
          const { result } =
            purpose.kind === 'edit'
              ? await this.#request<{ result: WriteResult }>(editMutation, { input: { commentId: purpose.view.data.id, body } }, token)
              : await this.#request<{ result: WriteResult }>(
                  postMutation,
                  {
                    input: {
                      articleId,
                      body,
                      idempotencyKey,
                      replyToId: purpose.kind === 'reply' ? purpose.view.data.id : undefined,
                      quotes: quote ? [{ commentId: quote.view.data.id, start: quote.start, end: quote.end }] : undefined,
                    },
                  },
                  token,
                );
          if (!('comment' in result)) {
            error.textContent = result.message;
            return;
          }
          idempotencyKey = crypto.randomUUID();
          textarea.value = '';
          const isNew = !this.#views.has(result.comment.id);
          const view = this.#place(result.comment, 'live');
          const held = result.comment.status === 'PENDING';
          // The count is the public's: a comment awaiting review is not in it yet.
          if (isNew && !held && this.#article) {
            this.#article.commentCount++;
            this.#drawHeading();
          }
          close();
          this.#say(
            purpose.kind === 'edit'
              ? 'Your comment was saved.'
              : held
                ? 'Your comment was sent: others will see it once a moderator approves it.'
                : 'Your comment was posted.',
          );
          this.#focus(view);
        } catch (failure) {
          error.textContent = (failure as Error).message;
        } finally {
          submit.disabled = false;
        }
      })();
    });
    return form;
  }

  async #delete(view: View): Promise<void> {
    if (!confirm(`Delete your comment #${view.data.number}?`)) return;
    try {
      const token = await this.#tokenFor(true);
      const { result } = await this.#request<{ result: WriteResult }>(deleteMutation, { input: { commentId: view.data.id } }, token);
      if ('comment' in result) {
        this.#place(result.comment, null);
        this.#say(`Comment #${view.data.number} was deleted.`);
      } else this.#status.textContent = result.message;
    } catch (error) {
      this.#status.textContent = (error as Error).message;
    }
  }

  #startLive(article: ThreadArticle): void {
    this.#stopLive();
    const url = new URL(this.#endpoint);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const client = createClient({
      url: url.href,
      webSocketImpl: resumableWebSocket(),
      retryAttempts: Number.POSITIVE_INFINITY,
      shouldRetry: () => true,
      // Backs off up to half a minute, with jitter, so a restarted server is not met by every
      // reader at once; the network coming back cuts the wait short.
      retryWait: (retries) =>
        new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            window.removeEventListener('online', done);
            resolve();
          };
          const timer = setTimeout(done, Math.min(30_000, 500 * 2 ** retries) * (0.5 + Math.random()));
          window.addEventListener('online', done);
        }),
    });
    this.#client = client;
    const listen = (query: string, onComment: (comment: CommentData) => void) =>
      client.subscribe<{ event: { comment: CommentData } }>(
        { query, variables: { articleId: article.id, after: article.liveCursor } },
        {
          next: ({ data }) => data && onComment(data.event.comment),
          error: (error) => this.#liveFailed(error),
          complete: () => {},
        },
      );
    this.#unsubscribe = [
      listen(addedSubscription, (comment) => this.#onAdded(comment)),
      listen(changedSubscription, (comment) => this.#onChanged(comment)),
    ];
  }

  /**
   * Gone offline, a socket may stay open without carrying anything until a keep-alive notices:
   * it is given up at once, and the client reconnects (and resumes) when it can.
   */
  readonly #onOffline = () => this.#client?.terminate();

  /** A subscription the server ended: a cursor too old to resume from means reading the thread again. */
  #liveFailed(error: unknown): void {
    const errors = Array.isArray(error) ? (error as { message?: string; extensions?: { code?: string } }[]) : [];
    if (errors.some((e) => e.extensions?.code === 'CURSOR_EXPIRED')) {
      this.#say('Reloading the comments to catch up.');
      void this.#start();
      return;
    }
    this.#status.textContent = `Live updates stopped: ${errors[0]?.message ?? 'the connection failed'}. Reload the page to resume them.`;
  }

  #stopLive(): void {
    for (const stop of this.#unsubscribe) stop();
    this.#unsubscribe = [];
    void this.#client?.dispose();
    this.#client = null;
  }

  #onAdded(comment: CommentData): void {
    const shown = this.#views.get(comment.id);
    if (shown && (shown.data.status === 'PENDING' || shown.data.status === 'REJECTED')) {
      // The reader's own comment, approved: it is everybody's now, and counts.
      this.#place(comment, null);
      if (this.#article) {
        this.#article.commentCount++;
        this.#drawHeading();
      }
      this.#say(`Your comment #${comment.number} was approved.`);
      return;
    }
    if (shown || this.#pending.some((pending) => pending.id === comment.id)) return;
    if (this.#article) {
      this.#article.commentCount++;
      this.#drawHeading();
    }
    const parent = comment.parent ? this.#views.get(comment.parent.id) : undefined;
    if (comment.parent) {
      const heldParent = this.#pending.find((pending) => pending.id === comment.parent!.id);
      if (heldParent) {
        // Its parent waits behind the button: it waits with it, and is shown under it.
        heldParent.replyCount++;
        this.#hold(comment);
        return;
      }
      if (!parent) return;
      if (parent.page === null || parent.page.hasNextPage || parent.partial) {
        // Its siblings are not all shown: it comes with them, when the reader asks.
        parent.data.replyCount++;
        this.#drawMore(parent);
        return;
      }
    } else if (this.#top.hasNextPage) return;
    const anchor = parent ? parent.article : this.#later;
    if (anchor.getBoundingClientRect().bottom < 0) {
      // Above the reader: inserting it would move what they are reading.
      this.#hold(comment);
      return;
    }
    this.#place(comment, 'live');
    this.#say(`New comment from ${comment.author.name}, #${comment.number}.`);
  }

  #hold(comment: CommentData): void {
    this.#pending.push(comment);
    const count = this.#pending.length;
    this.#notice.textContent = `${plural(count, 'new comment')} above — show`;
    this.#notice.hidden = false;
    this.#say(`${plural(count, 'new comment')} above.`);
  }

  #onChanged(comment: CommentData): void {
    const held = this.#pending.findIndex((pending) => pending.id === comment.id);
    if (held >= 0) this.#pending[held] = { ...comment, replyCount: this.#pending[held]!.replyCount };
    const view = this.#views.get(comment.id);
    if (!view && comment.isPinned && !comment.parent) {
      // Pinned from a page the reader has not opened: it shows first all the same.
      this.#place(comment, null);
      return;
    }
    if (view) {
      // An anonymous event carries no `viewerHasReacted`: the reader's own presses stay as they were.
      const pressed = new Set(view.data.reactions.filter((r) => r.viewerHasReacted).map((r) => r.kind));
      const reactions = comment.reactions.map((r) =>
        r.viewerHasReacted === undefined ? { ...r, viewerHasReacted: pressed.has(r.kind) } : r,
      );
      view.data = { ...comment, reactions, replies: undefined, replyCount: view.data.replyCount };
      this.#draw(view);
      if (!comment.parent && comment.isPinned !== (view.item.parentElement === this.#pinned)) {
        if (comment.isPinned) this.#pinned.append(view.item);
        else if (this.#top.hasNextPage && comment.number > lastNumberIn(this.#list)) {
          // Its place is on a page the reader has not opened: it goes until they open it.
          view.item.remove();
          this.#views.delete(comment.id);
          this.#byNumber.delete(comment.number);
        } else insertByNumber(this.#list, view.item, comment.number);
      }
    }
  }

  #showPending(): void {
    const pending = this.#pending.sort((a, b) => a.number - b.number);
    this.#pending = [];
    this.#notice.hidden = true;
    const views = pending.map((comment) => {
      const view = this.#place(comment, 'live');
      // Held with its replies, which follow it here (in number order): they are all shown.
      view.page = { hasNextPage: false, endCursor: null };
      return view;
    });
    if (views[0]) this.#focus(views[0]);
    this.#say(`${plural(views.length, 'new comment')} shown.`);
  }
}

/** A quote made from the keyboard takes at most this much: the server's default limit for a quote. */
const keyboardQuoteLength = 1000;

/**
 * The text of a comment's body up to a point, as far as it is the comment's own: the links
 * under quotes ("#12") and the quotes the body does not repeat (posted through the API, shown
 * from their source: `quote-snapshot`) are left out, so that occurrences count as in the body.
 */
/** How a reaction shows: a symbol and a name, for the site's kinds the widget knows, else the name alone. */
const knownReactions: Record<string, [string, string]> = {
  LIKE: ['👍', 'Like'],
  DISLIKE: ['👎', 'Dislike'],
  HEART: ['❤️', 'Love'],
  LOVE: ['❤️', 'Love'],
  LAUGH: ['😄', 'Laugh'],
  INSIGHTFUL: ['💡', 'Insightful'],
  THANKS: ['🙏', 'Thanks'],
  SAD: ['😢', 'Sad'],
  ANGRY: ['😠', 'Angry'],
  WOW: ['😮', 'Wow'],
};

function reactionLabel(kind: string): [string, string] {
  const name = kind.charAt(0) + kind.slice(1).toLowerCase().replace(/_/g, ' ');
  return knownReactions[kind] ?? ['', name];
}

/** The number of the last comment a list shows at its own level; 0 when it shows none. */
function lastNumberIn(list: HTMLOListElement): number {
  const id = list.lastElementChild?.querySelector(':scope > article')?.id ?? '';
  return Number(id.slice('comment-'.length)) || 0;
}

function ownTextBefore(body: Element, container: Node, offset: number): string {
  const range = document.createRange();
  range.setStart(body, 0);
  range.setEnd(container, offset);
  const fragment = range.cloneContents();
  for (const left of fragment.querySelectorAll('footer, blockquote.quote-snapshot')) left.remove();
  return fragment.textContent ?? '';
}

/** Comments are shown in posting order, which is their numbers' order. */
function insertByNumber(list: HTMLOListElement, item: HTMLLIElement, number: number): void {
  const next = [...list.children].find((child) => Number(child.firstElementChild?.id.slice('comment-'.length)) > number);
  list.insertBefore(item, next ?? null);
}
