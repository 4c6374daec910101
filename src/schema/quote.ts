import { builder } from '../builder.js';
import { showsQuotedText } from '../domain/visibility.js';

export const Quote = builder.prismaObject('Quote', {
  description: 'A span of an earlier comment that a comment quotes: a typed link, so clients can show "quoted from #12".',
  fields: (t) => ({
    comment: t.relation('comment', { description: 'The quoting comment.' }),
    quotedComment: t.relation('quotedComment', {
      description: 'The source; still there (isDeleted) after the source is deleted.',
    }),
    text: t.string({
      description:
        "The quoted span as it stood when quoted. It stays when the source is deleted (it is the quoting author's text too), and reads empty while a moderator hides the source.",
      select: { text: true, quotedComment: { select: { hiddenAt: true, status: true } } },
      resolve: (quote, _args, { viewer }) => (showsQuotedText(quote.quotedComment, viewer) ? quote.text : ''),
    }),
    start: t.exposeInt('start', { description: 'UTF-16 offset where the span starts in the source body as it stood when quoted.' }),
    end: t.exposeInt('end', { description: 'UTF-16 offset where the span ends in the source body as it stood when quoted.' }),
    sourceChanged: t.boolean({
      description: 'The source was edited or deleted after it was quoted.',
      select: { createdAt: true, quotedComment: { select: { editedAt: true, deletedAt: true } } },
      resolve: ({ createdAt, quotedComment: { editedAt, deletedAt } }) => deletedAt != null || (editedAt != null && editedAt > createdAt),
    }),
  }),
});
