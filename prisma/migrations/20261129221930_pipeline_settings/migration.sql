-- AlterTable
ALTER TABLE "pipeline" ADD COLUMN     "settings" JSONB NOT NULL DEFAULT '{}';

-- AlterTable
ALTER TABLE "deployment" ADD COLUMN     "settings" JSONB NOT NULL DEFAULT '{}';

