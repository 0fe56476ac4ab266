-- AlterTable
ALTER TABLE "exchange_connections" ADD COLUMN     "authority" TEXT;
