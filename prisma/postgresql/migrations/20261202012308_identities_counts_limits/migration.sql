-- DropIndex
DROP INDEX "Article_authorId_id_idx";

-- AlterTable
ALTER TABLE "Comment" ADD COLUMN     "imported" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "replyCount" INTEGER NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "ImportedIdentity" (
    "key" TEXT NOT NULL,
    "authorId" INTEGER NOT NULL,

    CONSTRAINT "ImportedIdentity_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "ImportedIdentity_authorId_idx" ON "ImportedIdentity"("authorId");

-- CreateIndex
CREATE INDEX "Article_authorId_publishedAt_id_idx" ON "Article"("authorId", "publishedAt", "id");

-- CreateIndex
CREATE INDEX "Comment_articleId_parentId_replyCount_number_idx" ON "Comment"("articleId", "parentId", "replyCount" DESC, "number");

-- CreateIndex
CREATE INDEX "Comment_parentId_replyCount_number_idx" ON "Comment"("parentId", "replyCount" DESC, "number");

-- Backfill: every comment's number of direct replies.
UPDATE "Comment" SET "replyCount" = (SELECT COUNT(*) FROM "Comment" AS "reply" WHERE "reply"."parentId" = "Comment"."id");

-- A comment quotes a span of a source once: of repeated quotes, the first stays.
DELETE FROM "Quote" WHERE "id" NOT IN (SELECT MIN("id") FROM "Quote" GROUP BY "commentId", "quotedCommentId", "start", "end");

-- CreateIndex
CREATE UNIQUE INDEX "Quote_commentId_quotedCommentId_start_end_key" ON "Quote"("commentId", "quotedCommentId", "start", "end");

-- AddForeignKey
ALTER TABLE "ImportedIdentity" ADD CONSTRAINT "ImportedIdentity_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "Author"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
