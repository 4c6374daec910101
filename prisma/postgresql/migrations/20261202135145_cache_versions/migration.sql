-- CreateTable
CREATE TABLE "CacheVersion" (
    "id" INTEGER NOT NULL,
    "epoch" INTEGER NOT NULL DEFAULT 0,
    "site" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "CacheVersion_pkey" PRIMARY KEY ("id")
);

-- The one row every write moves (src/domain/versions.ts).
INSERT INTO "CacheVersion" ("id", "epoch", "site") VALUES (1, 0, 0);
