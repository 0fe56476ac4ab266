-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "api_key_role" AS ENUM ('admin', 'tenant');

-- CreateEnum
CREATE TYPE "exchange_kind" AS ENUM ('ews', 'graph');

-- CreateEnum
CREATE TYPE "exchange_auth_kind" AS ENUM ('basic', 'ntlm', 'oauth', 'client_secret', 'certificate');

-- CreateEnum
CREATE TYPE "user_state" AS ENUM ('active', 'paused', 'auth_required', 'throttled', 'error', 'needs_review');

-- CreateEnum
CREATE TYPE "item_kind" AS ENUM ('event', 'task', 'contact');

-- CreateEnum
CREATE TYPE "sync_side" AS ENUM ('a', 'b');

-- CreateEnum
CREATE TYPE "sync_outcome" AS ENUM ('running', 'success', 'partial', 'failed', 'cancelled');

-- CreateTable
CREATE TABLE "tenants" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "name" TEXT NOT NULL,
    "nextcloud_url" TEXT NOT NULL,
    "settings" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "tenants_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_keys" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID,
    "role" "api_key_role" NOT NULL,
    "prefix" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "label" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "exchange_connections" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "kind" "exchange_kind" NOT NULL,
    "endpoint" TEXT,
    "auth_kind" "exchange_auth_kind" NOT NULL,
    "username" TEXT,
    "entra_tenant_id" TEXT,
    "client_id" TEXT,
    "secret_ciphertext" TEXT,
    "secret_key_id" TEXT,
    "certificate_ciphertext" TEXT,
    "certificate_key_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "exchange_connections_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "users" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "tenant_id" UUID NOT NULL,
    "nc_user_id" TEXT NOT NULL,
    "login_name" TEXT NOT NULL,
    "email" TEXT,
    "mailbox" TEXT,
    "display_name" TEXT,
    "app_password_ciphertext" TEXT NOT NULL,
    "app_password_key_id" TEXT NOT NULL,
    "state" "user_state" NOT NULL DEFAULT 'active',
    "state_reason" TEXT,
    "last_sync_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "collection_pairs" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "user_id" UUID NOT NULL,
    "kind" "item_kind" NOT NULL,
    "a_collection_id" TEXT NOT NULL,
    "b_collection_id" TEXT NOT NULL,
    "a_sync_token" TEXT,
    "b_sync_token" TEXT,
    "window_start" TIMESTAMPTZ(3),
    "window_end" TIMESTAMPTZ(3),
    "last_full_sync_at" TIMESTAMPTZ(3),
    "needs_review" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "collection_pairs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "item_links" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "pair_id" UUID NOT NULL,
    "ident" TEXT NOT NULL,
    "marker" TEXT,
    "a_href" TEXT,
    "a_version" TEXT,
    "a_hash" TEXT,
    "a_raw" TEXT,
    "b_href" TEXT,
    "b_version" TEXT,
    "b_hash" TEXT,
    "b_raw" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "item_links_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "sync_runs" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "user_id" UUID NOT NULL,
    "pair_id" UUID,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),
    "outcome" "sync_outcome" NOT NULL DEFAULT 'running',
    "counts" JSONB NOT NULL DEFAULT '{}',
    "error" TEXT,

    CONSTRAINT "sync_runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "conflicts" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "pair_id" UUID NOT NULL,
    "ident" TEXT NOT NULL,
    "a_raw" TEXT,
    "b_raw" TEXT,
    "resolution" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "conflicts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "quarantined_deletions" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "pair_id" UUID NOT NULL,
    "ident" TEXT NOT NULL,
    "side" "sync_side" NOT NULL,
    "href" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolved_at" TIMESTAMPTZ(3),

    CONSTRAINT "quarantined_deletions_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_prefix_key" ON "api_keys"("prefix");

-- CreateIndex
CREATE INDEX "api_keys_tenant_id_idx" ON "api_keys"("tenant_id");

-- CreateIndex
CREATE UNIQUE INDEX "exchange_connections_tenant_id_key" ON "exchange_connections"("tenant_id");

-- CreateIndex
CREATE INDEX "users_tenant_id_state_idx" ON "users"("tenant_id", "state");

-- CreateIndex
CREATE UNIQUE INDEX "users_tenant_id_nc_user_id_key" ON "users"("tenant_id", "nc_user_id");

-- CreateIndex
CREATE UNIQUE INDEX "collection_pairs_user_id_kind_a_collection_id_key" ON "collection_pairs"("user_id", "kind", "a_collection_id");

-- CreateIndex
CREATE UNIQUE INDEX "collection_pairs_user_id_kind_b_collection_id_key" ON "collection_pairs"("user_id", "kind", "b_collection_id");

-- CreateIndex
CREATE INDEX "item_links_pair_id_marker_idx" ON "item_links"("pair_id", "marker");

-- CreateIndex
CREATE UNIQUE INDEX "item_links_pair_id_ident_key" ON "item_links"("pair_id", "ident");

-- CreateIndex
CREATE UNIQUE INDEX "item_links_pair_id_a_href_key" ON "item_links"("pair_id", "a_href");

-- CreateIndex
CREATE UNIQUE INDEX "item_links_pair_id_b_href_key" ON "item_links"("pair_id", "b_href");

-- CreateIndex
CREATE INDEX "sync_runs_user_id_started_at_idx" ON "sync_runs"("user_id", "started_at" DESC);

-- CreateIndex
CREATE INDEX "sync_runs_pair_id_started_at_idx" ON "sync_runs"("pair_id", "started_at" DESC);

-- CreateIndex
CREATE INDEX "conflicts_pair_id_created_at_idx" ON "conflicts"("pair_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "quarantined_deletions_pair_id_resolved_at_idx" ON "quarantined_deletions"("pair_id", "resolved_at");

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "exchange_connections" ADD CONSTRAINT "exchange_connections_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "users" ADD CONSTRAINT "users_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "collection_pairs" ADD CONSTRAINT "collection_pairs_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "item_links" ADD CONSTRAINT "item_links_pair_id_fkey" FOREIGN KEY ("pair_id") REFERENCES "collection_pairs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sync_runs" ADD CONSTRAINT "sync_runs_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sync_runs" ADD CONSTRAINT "sync_runs_pair_id_fkey" FOREIGN KEY ("pair_id") REFERENCES "collection_pairs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "conflicts" ADD CONSTRAINT "conflicts_pair_id_fkey" FOREIGN KEY ("pair_id") REFERENCES "collection_pairs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "quarantined_deletions" ADD CONSTRAINT "quarantined_deletions_pair_id_fkey" FOREIGN KEY ("pair_id") REFERENCES "collection_pairs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
