"use client";
import Link from "next/link";
import { memo } from "react";
import { BaseEdge, EdgeLabelRenderer, getBezierPath, useStore, type Edge, type EdgeProps } from "@xyflow/react";
import { compact, HEALTH_STROKE, perSec, seconds } from "@/components/monitoring/format";
import { useLiveEdge, useLiveStore } from "./live-store";

type LiveEdgeData = { problemLabel?: string; emphasized?: boolean };
export type LiveFlowEdge = Edge<LiveEdgeData, "live">;

/** Labels sit above nodes (selected nodes are raised to 1000), so a short edge never hides its label. */
const LABEL_Z_INDEX = 1001;

/**
 * An edge of a running pipeline: coloured by lag health, labelled with events/s and lag (messages,
 * plus the oldest event's age once there is a backlog; fused edges have no topic, so no lag) and a link
 * to its live tap. The full figures are in the label's tooltip. Zoomed out, the label keeps its size on
 * screen instead of shrinking with the canvas.
 */
function LiveEdgeImpl({
  id,
  source,
  sourceHandleId,
  sourceX,
  sourceY,
  targetX,
  targetY,
  sourcePosition,
  targetPosition,
  style,
  markerEnd,
  data,
}: EdgeProps<LiveFlowEdge>) {
  const live = useLiveEdge(id);
  const store = useLiveStore();
  const zoom = useStore((state) => state.transform[2]);
  const scale = zoom < 1 ? 1 / zoom : 1;
  const [path, labelX, labelY] = getBezierPath({ sourceX, sourceY, sourcePosition, targetX, targetY, targetPosition });
  const stroke = live && !data?.emphasized ? HEALTH_STROKE[live.health] : undefined;
  return (
    <>
      <BaseEdge
        id={id}
        path={path}
        markerEnd={markerEnd}
        style={stroke ? { ...style, stroke, strokeWidth: 2.5 } : style}
      />
      {(live || data?.problemLabel) && (
        <EdgeLabelRenderer>
          <div
            className="nodrag nopan absolute"
            style={{
              transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px) scale(${scale})`,
              pointerEvents: "all",
              zIndex: LABEL_Z_INDEX,
            }}
          >
            {live ? (
              <span
                data-testid={`edge-live-${id}`}
                data-health={live.health}
                className="flex items-center gap-1 rounded-md border bg-white px-1.5 py-0.5 font-mono text-[10px] shadow-sm dark:bg-slate-900"
                style={{ borderColor: HEALTH_STROKE[live.health] }}
                title={
                  live.lag
                    ? `Topic ${live.topic}: ${perSec(live.perSec)}, lag ${compact(live.lag.messages)} events, oldest waiting ${seconds(live.lag.seconds)}`
                    : "Fused: runs in the same worker step as its source, no topic"
                }
              >
                <span data-testid="edge-rate">{perSec(live.perSec)}</span>
                <span className="text-slate-400">·</span>
                {live.lag ? (
                  <span
                    data-testid="edge-lag"
                    style={{ color: live.health === "ok" ? undefined : HEALTH_STROKE[live.health] }}
                  >
                    lag {compact(live.lag.messages)}
                    {live.lag.messages > 0 && ` · ${seconds(live.lag.seconds)}`}
                  </span>
                ) : (
                  <span className="text-slate-500">fused</span>
                )}
                {store && sourceHandleId && (
                  <Link
                    prefetch={false}
                    href={store.tapHref(source, sourceHandleId)}
                    className="ml-1 text-brand-600 hover:underline dark:text-brand-400"
                    aria-label={`Live tap of ${source} ${sourceHandleId}`}
                  >
                    tap
                  </Link>
                )}
                {data?.problemLabel && <span className="text-red-600">{data.problemLabel}</span>}
              </span>
            ) : (
              <span className="rounded bg-white px-1 text-[10px] text-red-600 dark:bg-slate-900">
                {data?.problemLabel}
              </span>
            )}
          </div>
        </EdgeLabelRenderer>
      )}
    </>
  );
}

export const LiveEdge = memo(LiveEdgeImpl);
