"use client";
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { clockTime, compact, timeSpan, timeTickFormatter } from "./format";

const PALETTE = ["#1d6ef1", "#10b981", "#f59e0b", "#ef4444", "#8b5cf6", "#06b6d4", "#ec4899", "#84cc16"];

export type Series = { key: string; label: string };

/**
 * One recharts line chart over time with a shared look (axes, grid, tooltip, legend). With
 * `fixedWidth` (narrow panels beside the canvas) it skips ResponsiveContainer and recharts' Legend:
 * both measure the DOM on every redraw, forcing a layout of the whole page, canvas included.
 */
export function TimeSeriesChart({
  title,
  data,
  series,
  unit,
  testId,
  fixedWidth,
}: {
  title: string;
  data: Record<string, number | null>[];
  series: Series[];
  unit?: string;
  testId?: string;
  fixedWidth?: number;
}) {
  const lines = series.map((s, i) => (
    <Line
      key={s.key}
      type="monotone"
      dataKey={s.key}
      name={s.label}
      stroke={PALETTE[i % PALETTE.length]}
      dot={false}
      strokeWidth={1.5}
      isAnimationActive={false}
      connectNulls
    />
  ));
  const axes = (
    <>
      <CartesianGrid strokeDasharray="3 3" stroke="currentColor" className="text-slate-200 dark:text-slate-800" />
      <XAxis
        dataKey="t"
        type="number"
        domain={["dataMin", "dataMax"]}
        tickFormatter={timeTickFormatter(timeSpan(data))}
        fontSize={11}
      />
      <YAxis width={44} fontSize={11} tickFormatter={(v: number) => compact(v)} />
      <Tooltip
        labelFormatter={(t) => clockTime(Number(t))}
        formatter={(v) => `${compact(Number(v), 2)}${unit ? ` ${unit}` : ""}`}
      />
    </>
  );
  const empty = data.length === 0 || series.length === 0;
  return (
    <section className={`card ${fixedWidth ? "p-2" : "p-4"}`} data-testid={testId}>
      <h3 className="mb-2 text-sm font-medium text-slate-700 dark:text-slate-300">{title}</h3>
      {empty ? (
        <div className={`flex ${fixedWidth ? "h-32" : "h-48"} items-center justify-center text-sm text-slate-500`}>
          No data in this range yet.
        </div>
      ) : fixedWidth ? (
        <>
          <LineChart width={fixedWidth} height={128} data={data} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
            {axes}
            {lines}
          </LineChart>
          <div className="mt-1 flex flex-wrap gap-3 text-[11px] text-slate-500">
            {series.map((s, i) => (
              <span key={s.key} style={{ color: PALETTE[i % PALETTE.length] }}>
                ■ <span className="text-slate-600 dark:text-slate-400">{s.label}</span>
              </span>
            ))}
          </div>
        </>
      ) : (
        <div className="h-48">
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
              {axes}
              <Legend wrapperStyle={{ fontSize: 11 }} />
              {lines}
            </LineChart>
          </ResponsiveContainer>
        </div>
      )}
    </section>
  );
}
