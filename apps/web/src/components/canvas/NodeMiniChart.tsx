"use client";
import { memo } from "react";
import { Line, LineChart, Tooltip, XAxis, YAxis } from "recharts";
import { clockTime, compact, timeSpan, timeTickFormatter } from "@/components/monitoring/format";
import { useLiveSamples } from "./live-store";

/** The hover chart of a node: its in/out rate over the last ~60 samples kept in the browser. */
export const NodeMiniChart = memo(NodeMiniChartImpl);

function NodeMiniChartImpl({ nodeId }: { nodeId: string }) {
  const samples = useLiveSamples(nodeId) ?? [];
  return (
    <div
      data-testid={`node-minichart-${nodeId}`}
      className="rounded-md border border-slate-200 bg-white p-2 shadow-lg dark:border-slate-700 dark:bg-slate-900"
    >
      <div className="mb-1 flex gap-3 text-[10px] text-slate-500">
        <span className="text-brand-600">■ in/s</span>
        <span className="text-emerald-600">■ out/s</span>
        <span className="ml-auto">{samples.length} points</span>
      </div>
      {samples.length === 0 ? (
        <div className="flex h-20 w-56 items-center justify-center text-[11px] text-slate-500">No data yet</div>
      ) : (
        <LineChart width={224} height={94} data={samples} margin={{ top: 2, right: 2, bottom: 0, left: 0 }}>
          <XAxis
            dataKey="t"
            type="number"
            domain={["dataMin", "dataMax"]}
            tickFormatter={timeTickFormatter(timeSpan(samples))}
            tickCount={3}
            fontSize={9}
            height={14}
          />
          <YAxis width={32} fontSize={9} tickFormatter={(v: number) => compact(v)} />
          <Tooltip labelFormatter={(t) => clockTime(Number(t))} formatter={(v) => `${compact(Number(v), 2)}/s`} />
          <Line
            type="monotone"
            dataKey="in"
            name="in"
            stroke="#1d6ef1"
            dot={false}
            strokeWidth={1.5}
            isAnimationActive={false}
          />
          <Line
            type="monotone"
            dataKey="out"
            name="out"
            stroke="#10b981"
            dot={false}
            strokeWidth={1.5}
            isAnimationActive={false}
          />
        </LineChart>
      )}
    </div>
  );
}
