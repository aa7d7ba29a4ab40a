-- CreateEnum
CREATE TYPE "dead_letter_action_kind" AS ENUM ('replayed', 'discarded');

-- CreateTable
CREATE TABLE "dead_letter_action" (
    "id" TEXT NOT NULL,
    "workspace_id" TEXT NOT NULL,
    "pipeline_id" TEXT NOT NULL,
    "node_id" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "partition" INTEGER NOT NULL,
    "offset" BIGINT NOT NULL,
    "action" "dead_letter_action_kind" NOT NULL,
    "user_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "dead_letter_action_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "dead_letter_action_pipeline_id_node_id_idx" ON "dead_letter_action"("pipeline_id", "node_id");

-- CreateIndex
CREATE UNIQUE INDEX "dead_letter_action_topic_partition_offset_key" ON "dead_letter_action"("topic", "partition", "offset");

-- AddForeignKey
ALTER TABLE "dead_letter_action" ADD CONSTRAINT "dead_letter_action_workspace_id_fkey" FOREIGN KEY ("workspace_id") REFERENCES "workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "dead_letter_action" ADD CONSTRAINT "dead_letter_action_pipeline_id_fkey" FOREIGN KEY ("pipeline_id") REFERENCES "pipeline"("id") ON DELETE CASCADE ON UPDATE CASCADE;

