"use client";
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { compact } from "./format";

const PALETTE = ["#1d6ef1", "#10b981", "#f59e0b", "#ef4444", "#8b5cf6", "#06b6d4", "#ec4899", "#84cc16"];

// One formatter for every tick: toLocaleTimeString builds a new one per call, which shows in profiles.
const HOUR_MINUTE = new Intl.DateTimeFormat([], { hour: "2-digit", minute: "2-digit" });
const FULL_TIME = new Intl.DateTimeFormat([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
export const formatTick = (t: number) => HOUR_MINUTE.format(t);
export const formatTime = (t: number) => FULL_TIME.format(t);

export type Series = { key: string; label: string };

/** One recharts line chart over time with a shared look (axes, grid, tooltip, legend). */
export function TimeSeriesChart({ title, data, series, unit, testId }: { title: string; data: Record<string, number | null>[]; series: Series[]; unit?: string; testId?: string }) {
  return (
    <section className="card p-4" data-testid={testId}>
      <h3 className="mb-2 text-sm font-medium text-slate-700 dark:text-slate-300">{title}</h3>
      {data.length === 0 || series.length === 0 ? (
        <div className="flex h-48 items-center justify-center text-sm text-slate-500">No data in this range yet.</div>
      ) : (
        <div className="h-48">
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
              <CartesianGrid strokeDasharray="3 3" stroke="currentColor" className="text-slate-200 dark:text-slate-800" />
              <XAxis dataKey="t" type="number" domain={["dataMin", "dataMax"]} tickFormatter={formatTick} fontSize={11} />
              <YAxis width={44} fontSize={11} tickFormatter={(v: number) => compact(v)} />
              <Tooltip labelFormatter={(t) => formatTime(Number(t))} formatter={(v) => `${compact(Number(v), 2)}${unit ? ` ${unit}` : ""}`} />
              <Legend wrapperStyle={{ fontSize: 11 }} />
              {series.map((s, i) => (
                <Line key={s.key} type="monotone" dataKey={s.key} name={s.label} stroke={PALETTE[i % PALETTE.length]} dot={false} strokeWidth={1.5} isAnimationActive={false} connectNulls />
              ))}
            </LineChart>
          </ResponsiveContainer>
        </div>
      )}
    </section>
  );
}
