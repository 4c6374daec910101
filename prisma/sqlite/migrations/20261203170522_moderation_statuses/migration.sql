-- AlterTable
ALTER TABLE "Article" ADD COLUMN "moderation" TEXT;

-- AlterTable
ALTER TABLE "Author" ADD COLUMN "banReason" TEXT;
ALTER TABLE "Author" ADD COLUMN "bannedAt" DATETIME;
ALTER TABLE "Author" ADD COLUMN "bannedUntil" DATETIME;

-- CreateTable
CREATE TABLE "Report" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "commentId" INTEGER NOT NULL,
    "authorId" INTEGER NOT NULL,
    "reason" TEXT NOT NULL,
    "note" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolvedAt" DATETIME,
    CONSTRAINT "Report_commentId_fkey" FOREIGN KEY ("commentId") REFERENCES "Comment" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Report_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "Author" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ModerationSettings" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "mode" TEXT NOT NULL DEFAULT 'RULES',
    "holdFirstComments" INTEGER NOT NULL DEFAULT 0,
    "maxLinks" INTEGER,
    "holdSpam" BOOLEAN NOT NULL DEFAULT true,
    "updatedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "BannedTerm" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "pattern" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
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
    "status" TEXT NOT NULL DEFAULT 'PUBLISHED',
    "publishedAt" DATETIME,
    "heldBy" TEXT,
    "openReports" INTEGER NOT NULL DEFAULT 0,
    "reportedAt" DATETIME,
    "sourceKey" TEXT,
    CONSTRAINT "Comment_articleId_fkey" FOREIGN KEY ("articleId") REFERENCES "Article" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Comment_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "Author" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Comment_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "Comment" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Comment" ("articleId", "authorId", "body", "createdAt", "deletedAt", "depth", "editedAt", "hiddenAt", "id", "imported", "number", "parentId", "path", "replyCount", "sourceKey") SELECT "articleId", "authorId", "body", "createdAt", "deletedAt", "depth", "editedAt", "hiddenAt", "id", "imported", "number", "parentId", "path", "replyCount", "sourceKey" FROM "Comment";
DROP TABLE "Comment";
ALTER TABLE "new_Comment" RENAME TO "Comment";
CREATE INDEX "Comment_articleId_parentId_number_idx" ON "Comment"("articleId", "parentId", "number");
CREATE INDEX "Comment_articleId_parentId_replyCount_number_idx" ON "Comment"("articleId", "parentId", "replyCount" DESC, "number");
CREATE INDEX "Comment_parentId_number_idx" ON "Comment"("parentId", "number");
CREATE INDEX "Comment_parentId_replyCount_number_idx" ON "Comment"("parentId", "replyCount" DESC, "number");
CREATE INDEX "Comment_articleId_path_idx" ON "Comment"("articleId", "path");
CREATE INDEX "Comment_authorId_id_idx" ON "Comment"("authorId", "id");
CREATE INDEX "Comment_authorId_createdAt_idx" ON "Comment"("authorId", "createdAt");
CREATE INDEX "Comment_authorId_status_idx" ON "Comment"("authorId", "status");
CREATE INDEX "Comment_status_id_idx" ON "Comment"("status", "id");
CREATE INDEX "Comment_articleId_status_id_idx" ON "Comment"("articleId", "status", "id");
CREATE INDEX "Comment_reportedAt_id_idx" ON "Comment"("reportedAt", "id");
CREATE INDEX "Comment_articleId_reportedAt_id_idx" ON "Comment"("articleId", "reportedAt", "id");
CREATE UNIQUE INDEX "Comment_articleId_number_key" ON "Comment"("articleId", "number");
CREATE UNIQUE INDEX "Comment_articleId_sourceKey_key" ON "Comment"("articleId", "sourceKey");
CREATE TABLE "new_ModerationAction" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "actorId" INTEGER,
    "kind" TEXT NOT NULL,
    "articleId" INTEGER,
    "commentId" INTEGER,
    "authorId" INTEGER,
    "reason" TEXT,
    "detail" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "ModerationAction_actorId_fkey" FOREIGN KEY ("actorId") REFERENCES "Author" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "ModerationAction_articleId_fkey" FOREIGN KEY ("articleId") REFERENCES "Article" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "ModerationAction_commentId_fkey" FOREIGN KEY ("commentId") REFERENCES "Comment" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "ModerationAction_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "Author" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_ModerationAction" ("actorId", "articleId", "commentId", "createdAt", "id", "kind", "reason") SELECT "actorId", "articleId", "commentId", "createdAt", "id", "kind", "reason" FROM "ModerationAction";
DROP TABLE "ModerationAction";
ALTER TABLE "new_ModerationAction" RENAME TO "ModerationAction";
CREATE INDEX "ModerationAction_createdAt_id_idx" ON "ModerationAction"("createdAt", "id");
CREATE INDEX "ModerationAction_articleId_createdAt_id_idx" ON "ModerationAction"("articleId", "createdAt", "id");
CREATE INDEX "ModerationAction_actorId_createdAt_id_idx" ON "ModerationAction"("actorId", "createdAt", "id");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "Report_commentId_resolvedAt_idx" ON "Report"("commentId", "resolvedAt");

-- CreateIndex
CREATE UNIQUE INDEX "Report_commentId_authorId_key" ON "Report"("commentId", "authorId");

-- CreateIndex
CREATE UNIQUE INDEX "BannedTerm_pattern_key" ON "BannedTerm"("pattern");

-- Every comment that exists already is published: it was public from its creation.
UPDATE "Comment" SET "publishedAt" = "createdAt" WHERE "publishedAt" IS NULL;
