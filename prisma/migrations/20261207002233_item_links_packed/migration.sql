-- DropIndex
DROP INDEX "item_links_pair_id_marker_idx";

-- AlterTable
ALTER TABLE "item_links" DROP COLUMN "marker",
ADD COLUMN     "packed" BYTEA;
