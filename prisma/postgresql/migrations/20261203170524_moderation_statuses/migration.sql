-- CreateEnum
CREATE TYPE "CommentStatus" AS ENUM ('PUBLISHED', 'PENDING', 'REJECTED');

-- CreateEnum
CREATE TYPE "ModerationMode" AS ENUM ('PRE', 'POST', 'RULES');

-- CreateEnum
CREATE TYPE "ReportReason" AS ENUM ('SPAM', 'ABUSE', 'OFF_TOPIC', 'OTHER');

-- CreateEnum
CREATE TYPE "RuleAction" AS ENUM ('HOLD', 'REJECT');

-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "CommentEventKind" ADD VALUE 'HELD';
ALTER TYPE "CommentEventKind" ADD VALUE 'REJECTED';

-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "ModerationActionKind" ADD VALUE 'APPROVE';
ALTER TYPE "ModerationActionKind" ADD VALUE 'REJECT';
ALTER TYPE "ModerationActionKind" ADD VALUE 'BAN';
ALTER TYPE "ModerationActionKind" ADD VALUE 'UNBAN';
ALTER TYPE "ModerationActionKind" ADD VALUE 'RULES_CHANGE';
ALTER TYPE "ModerationActionKind" ADD VALUE 'IDENTITY_LINK';
ALTER TYPE "ModerationActionKind" ADD VALUE 'HOLD';
ALTER TYPE "ModerationActionKind" ADD VALUE 'REPORT';

-- DropForeignKey
ALTER TABLE "ModerationAction" DROP CONSTRAINT "ModerationAction_actorId_fkey";

-- AlterTable
ALTER TABLE "Article" ADD COLUMN     "moderation" "ModerationMode";

-- AlterTable
ALTER TABLE "Author" ADD COLUMN     "banReason" TEXT,
ADD COLUMN     "bannedAt" TIMESTAMP(3),
ADD COLUMN     "bannedUntil" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "Comment" ADD COLUMN     "heldBy" TEXT,
ADD COLUMN     "openReports" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "publishedAt" TIMESTAMP(3),
ADD COLUMN     "reportedAt" TIMESTAMP(3),
ADD COLUMN     "status" "CommentStatus" NOT NULL DEFAULT 'PUBLISHED';

-- AlterTable
ALTER TABLE "ModerationAction" ADD COLUMN     "authorId" INTEGER,
ADD COLUMN     "detail" TEXT,
ALTER COLUMN "actorId" DROP NOT NULL;

-- CreateTable
CREATE TABLE "Report" (
    "id" SERIAL NOT NULL,
    "commentId" INTEGER NOT NULL,
    "authorId" INTEGER NOT NULL,
    "reason" "ReportReason" NOT NULL,
    "note" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolvedAt" TIMESTAMP(3),

    CONSTRAINT "Report_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ModerationSettings" (
    "id" INTEGER NOT NULL,
    "mode" "ModerationMode" NOT NULL DEFAULT 'RULES',
    "holdFirstComments" INTEGER NOT NULL DEFAULT 0,
    "maxLinks" INTEGER,
    "holdSpam" BOOLEAN NOT NULL DEFAULT true,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ModerationSettings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BannedTerm" (
    "id" SERIAL NOT NULL,
    "pattern" TEXT NOT NULL,
    "action" "RuleAction" NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BannedTerm_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Report_commentId_resolvedAt_idx" ON "Report"("commentId", "resolvedAt");

-- CreateIndex
CREATE UNIQUE INDEX "Report_commentId_authorId_key" ON "Report"("commentId", "authorId");

-- CreateIndex
CREATE UNIQUE INDEX "BannedTerm_pattern_key" ON "BannedTerm"("pattern");

-- CreateIndex
CREATE INDEX "Comment_authorId_status_idx" ON "Comment"("authorId", "status");

-- CreateIndex
CREATE INDEX "Comment_status_id_idx" ON "Comment"("status", "id");

-- CreateIndex
CREATE INDEX "Comment_articleId_status_id_idx" ON "Comment"("articleId", "status", "id");

-- CreateIndex
CREATE INDEX "Comment_reportedAt_id_idx" ON "Comment"("reportedAt", "id");

-- CreateIndex
CREATE INDEX "Comment_articleId_reportedAt_id_idx" ON "Comment"("articleId", "reportedAt", "id");

-- CreateIndex
CREATE INDEX "ModerationAction_actorId_createdAt_id_idx" ON "ModerationAction"("actorId", "createdAt", "id");

-- AddForeignKey
ALTER TABLE "Report" ADD CONSTRAINT "Report_commentId_fkey" FOREIGN KEY ("commentId") REFERENCES "Comment"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Report" ADD CONSTRAINT "Report_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "Author"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ModerationAction" ADD CONSTRAINT "ModerationAction_actorId_fkey" FOREIGN KEY ("actorId") REFERENCES "Author"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ModerationAction" ADD CONSTRAINT "ModerationAction_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "Author"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- Every comment that exists already is published: it was public from its creation.
UPDATE "Comment" SET "publishedAt" = "createdAt" WHERE "publishedAt" IS NULL;
