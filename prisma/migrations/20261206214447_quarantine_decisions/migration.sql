-- CreateEnum
CREATE TYPE "quarantine_decision" AS ENUM ('apply', 'restore');

-- AlterTable
ALTER TABLE "quarantined_deletions" ADD COLUMN     "decided_at" TIMESTAMPTZ(3),
ADD COLUMN     "decision" "quarantine_decision";
