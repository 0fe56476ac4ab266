-- AlterTable
ALTER TABLE "sync_runs" ADD COLUMN     "requests" JSONB;
