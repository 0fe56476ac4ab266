-- AlterTable
ALTER TABLE "graph_subscriptions" ADD COLUMN     "notify_count" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "notify_window_start" TIMESTAMPTZ(3);
