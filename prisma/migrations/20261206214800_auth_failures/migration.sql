-- CreateTable
CREATE TABLE "auth_failures" (
    "address" TEXT NOT NULL,
    "window_start" TIMESTAMPTZ(3) NOT NULL,
    "failures" INTEGER NOT NULL,
    "blocked_until" TIMESTAMPTZ(3),

    CONSTRAINT "auth_failures_pkey" PRIMARY KEY ("address")
);

-- CreateIndex
CREATE INDEX "auth_failures_window_start_idx" ON "auth_failures"("window_start");
