-- CreateTable
CREATE TABLE "Reaction" (
    "commentId" INTEGER NOT NULL,
    "authorId" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,

    PRIMARY KEY ("commentId", "authorId", "kind"),
    CONSTRAINT "Reaction_commentId_fkey" FOREIGN KEY ("commentId") REFERENCES "Comment" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Reaction_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "Author" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ReactionCount" (
    "commentId" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,

    PRIMARY KEY ("commentId", "kind"),
    CONSTRAINT "ReactionCount_commentId_fkey" FOREIGN KEY ("commentId") REFERENCES "Comment" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "OutboxEvent" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "kind" TEXT NOT NULL,
    "articleId" INTEGER NOT NULL,
    "commentId" INTEGER NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "Webhook" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "url" TEXT NOT NULL,
    "events" TEXT NOT NULL,
    "description" TEXT,
    "secret" TEXT NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "WebhookDelivery" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "webhookId" INTEGER NOT NULL,
    "eventType" TEXT NOT NULL,
    "payload" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'PENDING',
    "attemptCount" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" DATETIME NOT NULL,
    "lockedUntil" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "deliveredAt" DATETIME,
    CONSTRAINT "WebhookDelivery_webhookId_fkey" FOREIGN KEY ("webhookId") REFERENCES "Webhook" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "WebhookAttempt" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "deliveryId" INTEGER NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "durationMs" INTEGER NOT NULL,
    "statusCode" INTEGER,
    "responseBody" TEXT,
    "error" TEXT,
    CONSTRAINT "WebhookAttempt_deliveryId_fkey" FOREIGN KEY ("deliveryId") REFERENCES "WebhookDelivery" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "NotificationPreference" (
    "authorId" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "email" TEXT NOT NULL,
    "replies" BOOLEAN NOT NULL DEFAULT false,
    "quotes" BOOLEAN NOT NULL DEFAULT false,
    "digest" TEXT NOT NULL DEFAULT 'NONE',
    "updatedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "NotificationPreference_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "Author" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "EmailNotification" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "recipientId" INTEGER NOT NULL,
    "commentId" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sentAt" DATETIME,
    "failedAt" DATETIME,
    "attemptCount" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lockedUntil" DATETIME,
    CONSTRAINT "EmailNotification_recipientId_fkey" FOREIGN KEY ("recipientId") REFERENCES "Author" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "EmailNotification_commentId_fkey" FOREIGN KEY ("commentId") REFERENCES "Comment" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
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
    "reactionCount" INTEGER NOT NULL DEFAULT 0,
    "reactionsDirty" BOOLEAN NOT NULL DEFAULT false,
    "reactionsAnnouncedAt" DATETIME,
    "pinnedAt" DATETIME,
    CONSTRAINT "Comment_articleId_fkey" FOREIGN KEY ("articleId") REFERENCES "Article" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Comment_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "Author" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Comment_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "Comment" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Comment" ("articleId", "authorId", "body", "createdAt", "deletedAt", "depth", "editedAt", "heldBy", "hiddenAt", "id", "imported", "number", "openReports", "parentId", "path", "publishedAt", "replyCount", "reportedAt", "sourceKey", "status") SELECT "articleId", "authorId", "body", "createdAt", "deletedAt", "depth", "editedAt", "heldBy", "hiddenAt", "id", "imported", "number", "openReports", "parentId", "path", "publishedAt", "replyCount", "reportedAt", "sourceKey", "status" FROM "Comment";
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
CREATE INDEX "Comment_articleId_parentId_reactionCount_number_idx" ON "Comment"("articleId", "parentId", "reactionCount" DESC, "number");
CREATE INDEX "Comment_parentId_reactionCount_number_idx" ON "Comment"("parentId", "reactionCount" DESC, "number");
CREATE INDEX "Comment_articleId_pinnedAt_idx" ON "Comment"("articleId", "pinnedAt");
CREATE UNIQUE INDEX "Comment_articleId_number_key" ON "Comment"("articleId", "number");
CREATE UNIQUE INDEX "Comment_articleId_sourceKey_key" ON "Comment"("articleId", "sourceKey");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "Reaction_authorId_idx" ON "Reaction"("authorId");

-- CreateIndex
CREATE INDEX "WebhookDelivery_status_nextAttemptAt_idx" ON "WebhookDelivery"("status", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "WebhookDelivery_webhookId_id_idx" ON "WebhookDelivery"("webhookId", "id");

-- CreateIndex
CREATE INDEX "WebhookAttempt_deliveryId_id_idx" ON "WebhookAttempt"("deliveryId", "id");

-- CreateIndex
CREATE INDEX "EmailNotification_sentAt_failedAt_nextAttemptAt_idx" ON "EmailNotification"("sentAt", "failedAt", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "EmailNotification_recipientId_sentAt_idx" ON "EmailNotification"("recipientId", "sentAt");

-- CreateIndex
CREATE UNIQUE INDEX "EmailNotification_recipientId_commentId_key" ON "EmailNotification"("recipientId", "commentId");
