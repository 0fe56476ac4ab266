-- item_links made leaner (issue 14), rebuilt as a new table because PostgreSQL never frees a dropped column: every
-- row would keep paying for it in its null bitmap.
--
-- 1. The eleven columns of the older shapes go (8 bytes a row of null bitmap and alignment: at ~400-byte rows, 19
--    rows a page become 20). A row still in an older shape is kept whole in "head" as head format 1: the byte 1,
--    then the UTF-8 JSON array [ident, a_href, a_version, a_hash, a_raw, b_href, b_version, b_hash, b_raw, base];
--    "packed" moves to "body" (it keeps its own version byte). The service reads format 1 (legacy-link.ts) and
--    rewrites such rows in the compact shape on first read, as it did from the old columns.
-- 2. The href keys are indexed on their own (an entry of 20 bytes instead of 36 with the pair's id) and not unique
--    in the index: one href per pair and side is enforced by item_links_one_holder() below instead, after every
--    statement that writes rows, under a transaction lock per pair so two writers of one pair cannot both pass.

CREATE TABLE "item_links_lean" (
    "pair_id" UUID NOT NULL,
    "ident_key" BIGINT NOT NULL,
    "a_key" BIGINT,
    "b_key" BIGINT,
    "head" BYTEA NOT NULL,
    "body" BYTEA,
    "pending_create" "sync_side",
    "dormant" BOOLEAN NOT NULL DEFAULT false
);

INSERT INTO "item_links_lean" ("pair_id", "ident_key", "a_key", "b_key", "head", "body", "pending_create", "dormant")
SELECT "pair_id", "ident_key", "a_key", "b_key",
  coalesce("head", '\x01'::bytea || convert_to(json_build_array("ident", "a_href", "a_version", "a_hash", "a_raw",
    "b_href", "b_version", "b_hash", "b_raw", "base")::text, 'UTF8')),
  CASE WHEN "head" IS NULL THEN "packed" ELSE "body" END,
  "pending_create", "dormant"
FROM "item_links";

DROP TABLE "item_links";

ALTER TABLE "item_links_lean" RENAME TO "item_links";

-- AddPrimaryKey
ALTER TABLE "item_links" ADD CONSTRAINT "item_links_pkey" PRIMARY KEY ("pair_id", "ident_key");

-- CreateIndex
CREATE INDEX "item_links_a_key_idx" ON "item_links"("a_key");

-- CreateIndex
CREATE INDEX "item_links_b_key_idx" ON "item_links"("b_key");

-- AddForeignKey
ALTER TABLE "item_links" ADD CONSTRAINT "item_links_pair_id_fkey" FOREIGN KEY ("pair_id") REFERENCES "collection_pairs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- One row per pair holds a given href key on each side (what the unique indexes on (pair_id, a_key) and
-- (pair_id, b_key) did). Checked once per statement over the rows it wrote. The lock (per pair, until commit) makes a
-- second writer of the same pair wait for the first to commit and then see its rows (each statement of a PL/pgSQL
-- function takes a new snapshot under READ COMMITTED), as a unique index would have made it wait.
CREATE FUNCTION "item_links_one_holder"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  clash RECORD;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtextextended('exsync:item_links:' || p::text, 0))
    FROM (SELECT DISTINCT pair_id AS p FROM written ORDER BY 1) AS pairs;
  SELECT w.pair_id, 'a' AS side INTO clash FROM written w
    JOIN "item_links" l ON l.a_key = w.a_key AND l.pair_id = w.pair_id AND l.ident_key <> w.ident_key
  UNION ALL
  SELECT w.pair_id, 'b' FROM written w
    JOIN "item_links" l ON l.b_key = w.b_key AND l.pair_id = w.pair_id AND l.ident_key <> w.ident_key
  LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'item_links: two rows of pair % hold one href on side %', clash.pair_id, clash.side
      USING ERRCODE = 'unique_violation', TABLE = 'item_links';
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER "item_links_one_holder_insert" AFTER INSERT ON "item_links"
  REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION "item_links_one_holder"();

CREATE TRIGGER "item_links_one_holder_update" AFTER UPDATE ON "item_links"
  REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION "item_links_one_holder"();
