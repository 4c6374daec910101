-- DropIndex
DROP INDEX "Article_authorId_id_idx";

-- CreateTable
CREATE TABLE "ImportedIdentity" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "authorId" INTEGER NOT NULL,
    CONSTRAINT "ImportedIdentity_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "Author" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Comment" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "articleId" INTEGER NOT NULL,
    "number" INTEGER NOT NULL,
    "authorId" INTEGER NOT NULL,
    "parentId" INTEGER,
    "depth" INTEGER NOT NULL DEFAULT 0,
    "replyCount" INTEGER NOT NULL DEFAULT 0,
    "imported" BOOLEAN NOT NULL DEFAULT false,
    "path" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "editedAt" DATETIME,
    "deletedAt" DATETIME,
    "hiddenAt" DATETIME,
    CONSTRAINT "Comment_articleId_fkey" FOREIGN KEY ("articleId") REFERENCES "Article" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Comment_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "Author" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Comment_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "Comment" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Comment" ("articleId", "authorId", "body", "createdAt", "deletedAt", "depth", "editedAt", "hiddenAt", "id", "number", "parentId", "path") SELECT "articleId", "authorId", "body", "createdAt", "deletedAt", "depth", "editedAt", "hiddenAt", "id", "number", "parentId", "path" FROM "Comment";
DROP TABLE "Comment";
ALTER TABLE "new_Comment" RENAME TO "Comment";
CREATE INDEX "Comment_articleId_parentId_number_idx" ON "Comment"("articleId", "parentId", "number");
CREATE INDEX "Comment_articleId_parentId_replyCount_number_idx" ON "Comment"("articleId", "parentId", "replyCount" DESC, "number");
CREATE INDEX "Comment_parentId_number_idx" ON "Comment"("parentId", "number");
CREATE INDEX "Comment_parentId_replyCount_number_idx" ON "Comment"("parentId", "replyCount" DESC, "number");
CREATE INDEX "Comment_articleId_path_idx" ON "Comment"("articleId", "path");
CREATE INDEX "Comment_authorId_id_idx" ON "Comment"("authorId", "id");
CREATE INDEX "Comment_authorId_createdAt_idx" ON "Comment"("authorId", "createdAt");
CREATE UNIQUE INDEX "Comment_articleId_number_key" ON "Comment"("articleId", "number");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "ImportedIdentity_authorId_idx" ON "ImportedIdentity"("authorId");

-- CreateIndex
CREATE INDEX "Article_authorId_publishedAt_id_idx" ON "Article"("authorId", "publishedAt", "id");

-- Backfill: every comment's number of direct replies.
UPDATE "Comment" SET "replyCount" = (SELECT COUNT(*) FROM "Comment" AS "reply" WHERE "reply"."parentId" = "Comment"."id");

-- A comment quotes a span of a source once: of repeated quotes, the first stays.
DELETE FROM "Quote" WHERE "id" NOT IN (SELECT MIN("id") FROM "Quote" GROUP BY "commentId", "quotedCommentId", "start", "end");

-- CreateIndex
CREATE UNIQUE INDEX "Quote_commentId_quotedCommentId_start_end_key" ON "Quote"("commentId", "quotedCommentId", "start", "end");
