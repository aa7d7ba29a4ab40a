-- CreateEnum
CREATE TYPE "ApiKeyScope" AS ENUM ('ingest', 'read');

-- AlterTable
ALTER TABLE "api_key" ADD COLUMN     "scope" "ApiKeyScope" NOT NULL DEFAULT 'ingest';

