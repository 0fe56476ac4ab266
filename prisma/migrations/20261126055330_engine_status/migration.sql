-- AlterTable
ALTER TABLE "collection_pairs" ADD COLUMN     "retry_hrefs" JSONB NOT NULL DEFAULT '{}';

-- AlterTable
ALTER TABLE "conflicts" ADD COLUMN     "a_item" JSONB,
ADD COLUMN     "b_item" JSONB,
ADD COLUMN     "fields" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "winner" "sync_side";

-- AlterTable
ALTER TABLE "item_links" ADD COLUMN     "base" JSONB,
ADD COLUMN     "dormant" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "pending_create" "sync_side";

-- AlterTable
ALTER TABLE "sync_runs" ADD COLUMN     "dry_run" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "plan" JSONB;
