-- AlterTable
ALTER TABLE "sync_runs" ADD COLUMN     "item_errors" JSONB NOT NULL DEFAULT '[]';
