-- AlterTable
ALTER TABLE "Article" ADD COLUMN     "commentCount" INTEGER NOT NULL DEFAULT 0;

-- Backfill: every article's comments, replies and tombstones included.
UPDATE "Article" SET "commentCount" = (SELECT COUNT(*) FROM "Comment" WHERE "Comment"."articleId" = "Article"."id");
