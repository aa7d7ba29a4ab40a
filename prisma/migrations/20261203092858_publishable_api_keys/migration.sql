-- AlterTable
ALTER TABLE "api_key" ADD COLUMN     "allowed_origins" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "publishable" BOOLEAN NOT NULL DEFAULT false;

