-- CreateTable
CREATE TABLE "push_status" (
    "user_id" UUID NOT NULL,
    "side" TEXT NOT NULL,
    "mode" TEXT NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT false,
    "last_notification_at" TIMESTAMPTZ(3),
    "error" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "push_status_pkey" PRIMARY KEY ("user_id","side")
);

-- AddForeignKey
ALTER TABLE "push_status" ADD CONSTRAINT "push_status_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
