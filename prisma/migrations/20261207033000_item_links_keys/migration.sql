-- item_links keeps its ids once (coded in "head" by the service) and indexes 64-bit keys of them: the first 8
-- bytes of SHA-256, computed here exactly as the service computes them (link-codec.ts), so existing rows keep
-- their identity. Existing rows keep their old columns until the service rewrites them in the new shape.

-- AlterTable
ALTER TABLE "collection_pairs" ADD COLUMN     "link_reference" BYTEA;

-- AlterTable
ALTER TABLE "item_links" ADD COLUMN     "ident_key" BIGINT,
ADD COLUMN     "a_key" BIGINT,
ADD COLUMN     "b_key" BIGINT,
ADD COLUMN     "head" BYTEA,
ADD COLUMN     "body" BYTEA;

UPDATE "item_links" SET
  "ident_key" = ('x' || left(encode(sha256(convert_to("ident", 'UTF8')), 'hex'), 16))::bit(64)::bigint,
  "a_key" = ('x' || left(encode(sha256(convert_to("a_href", 'UTF8')), 'hex'), 16))::bit(64)::bigint,
  "b_key" = ('x' || left(encode(sha256(convert_to("b_href", 'UTF8')), 'hex'), 16))::bit(64)::bigint;

-- DropIndex
DROP INDEX "item_links_pair_id_a_href_key";

-- DropIndex
DROP INDEX "item_links_pair_id_b_href_key";

-- DropIndex
DROP INDEX "item_links_pair_id_ident_key";

-- AlterTable
ALTER TABLE "item_links" DROP CONSTRAINT "item_links_pkey",
DROP COLUMN "created_at",
DROP COLUMN "updated_at",
DROP COLUMN "id",
ALTER COLUMN "ident" DROP NOT NULL,
ALTER COLUMN "ident_key" SET NOT NULL,
ADD CONSTRAINT "item_links_pkey" PRIMARY KEY ("pair_id", "ident_key");

-- CreateIndex
CREATE UNIQUE INDEX "item_links_pair_id_a_key_key" ON "item_links"("pair_id", "a_key");

-- CreateIndex
CREATE UNIQUE INDEX "item_links_pair_id_b_key_key" ON "item_links"("pair_id", "b_key");
