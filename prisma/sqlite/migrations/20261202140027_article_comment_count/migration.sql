-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Article" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "slug" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "publishedAt" DATETIME,
    "authorId" INTEGER NOT NULL,
    "commentsLocked" BOOLEAN NOT NULL DEFAULT false,
    "lastCommentNumber" INTEGER NOT NULL DEFAULT 0,
    "commentCount" INTEGER NOT NULL DEFAULT 0,
    "lastEventSeq" INTEGER NOT NULL DEFAULT 0,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Article_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "Author" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_Article" ("authorId", "body", "commentsLocked", "createdAt", "id", "lastCommentNumber", "lastEventSeq", "publishedAt", "slug", "title", "updatedAt") SELECT "authorId", "body", "commentsLocked", "createdAt", "id", "lastCommentNumber", "lastEventSeq", "publishedAt", "slug", "title", "updatedAt" FROM "Article";
DROP TABLE "Article";
ALTER TABLE "new_Article" RENAME TO "Article";
CREATE UNIQUE INDEX "Article_slug_key" ON "Article"("slug");
CREATE INDEX "Article_authorId_publishedAt_id_idx" ON "Article"("authorId", "publishedAt", "id");
CREATE INDEX "Article_publishedAt_id_idx" ON "Article"("publishedAt", "id");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- Backfill: every article's comments, replies and tombstones included.
UPDATE "Article" SET "commentCount" = (SELECT COUNT(*) FROM "Comment" WHERE "Comment"."articleId" = "Article"."id");
