-- AlterTable
ALTER TABLE "Article" ADD COLUMN     "sourceKey" TEXT;

-- AlterTable
ALTER TABLE "Comment" ADD COLUMN     "sourceKey" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "Article_sourceKey_key" ON "Article"("sourceKey");

-- CreateIndex
CREATE UNIQUE INDEX "Comment_articleId_sourceKey_key" ON "Comment"("articleId", "sourceKey");

-- Backfill: comments imported before source keys were kept came from the text format, whose
-- source key is the comment's number.
UPDATE "Comment" SET "sourceKey" = "number"::TEXT WHERE "imported" = true;
