-- AlterTable
ALTER TABLE "sync_runs" ADD COLUMN     "sync_id" UUID;

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "last_attempt_at" TIMESTAMPTZ(3),
ADD COLUMN     "state_code" TEXT;

-- CreateIndex
CREATE INDEX "sync_runs_sync_id_idx" ON "sync_runs"("sync_id");

-- Until now every sync set last_sync_at: it is the last attempt of every existing user.
UPDATE "users" SET "last_attempt_at" = "last_sync_at";
