-- CreateIndex
CREATE INDEX "Comment_reactionsDirty_idx" ON "Comment"("reactionsDirty");
