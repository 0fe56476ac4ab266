-- AlterTable
ALTER TABLE "tenants" ADD COLUMN     "nc_push_seen_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "nc_notified_at" TIMESTAMPTZ(3);
