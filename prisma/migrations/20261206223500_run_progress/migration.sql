-- AlterTable
ALTER TABLE "sync_runs" ADD COLUMN     "progress" JSONB;
