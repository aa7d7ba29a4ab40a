"use client";
import { useMemo, useState, type DragEvent } from "react";
import { NODE_TYPE_IDS, nodeRegistry, type NodeCategory, type NodeDescriptor } from "@sluice/shared";
import { CATEGORY_STYLE, NodeIcon } from "./NodeIcon";

/** The drag payload type: the canvas' drop handler only accepts this. */
export const PALETTE_MIME = "application/x-sluice-node-type";

const CATEGORIES: NodeCategory[] = ["source", "transform", "sink"];

/** Node palette grouped by category, with search. Items drag onto the canvas, or add with Enter. */
export function Palette({ onAdd }: { onAdd: (type: string) => void }) {
  const [query, setQuery] = useState("");
  const groups = useMemo(() => {
    const q = query.trim().toLowerCase();
    const all: NodeDescriptor[] = NODE_TYPE_IDS.map((id) => nodeRegistry[id]);
    const matching = all.filter((d) => !q || `${d.label} ${d.type} ${d.description}`.toLowerCase().includes(q));
    return CATEGORIES.map((category) => ({ category, items: matching.filter((d) => d.category === category) })).filter(
      (g) => g.items.length > 0,
    );
  }, [query]);

  function onDragStart(event: DragEvent, type: string) {
    event.dataTransfer.setData(PALETTE_MIME, type);
    event.dataTransfer.effectAllowed = "move";
  }

  return (
    <aside
      aria-label="Node palette"
      className="flex w-60 shrink-0 flex-col border-r border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900"
    >
      <div className="border-b border-slate-200 p-3 dark:border-slate-800">
        <label htmlFor="palette-search" className="sr-only">
          Search nodes
        </label>
        <input
          id="palette-search"
          className="input"
          type="search"
          placeholder="Search nodes…"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
      </div>
      <div className="flex-1 overflow-y-auto p-2">
        {groups.length === 0 && <p className="p-3 text-center text-sm text-slate-500">No node matches “{query}”.</p>}
        {groups.map(({ category, items }) => (
          <section key={category} className="mb-3" aria-labelledby={`palette-${category}`}>
            <h3
              id={`palette-${category}`}
              className="px-2 pb-1 text-[11px] font-semibold tracking-wider text-slate-500 uppercase dark:text-slate-400"
            >
              {CATEGORY_STYLE[category].label}
            </h3>
            <ul className="space-y-1">
              {items.map((d) => (
                <li key={d.type}>
                  <div
                    role="button"
                    tabIndex={0}
                    draggable
                    data-testid={`palette-${d.type}`}
                    aria-label={`Add ${d.label} (${category})`}
                    title={`${d.description}\nDrag onto the canvas, or press Enter to add.`}
                    onDragStart={(e) => onDragStart(e, d.type)}
                    onKeyDown={(e) => e.key === "Enter" && onAdd(d.type)}
                    onDoubleClick={() => onAdd(d.type)}
                    className="flex cursor-grab items-start gap-2 rounded-md border border-transparent px-2 py-1.5 hover:border-slate-200 hover:bg-slate-50 active:cursor-grabbing dark:hover:border-slate-700 dark:hover:bg-slate-800"
                  >
                    <span
                      className={`mt-0.5 flex h-6 w-6 shrink-0 items-center justify-center rounded ${CATEGORY_STYLE[category].chip}`}
                    >
                      <NodeIcon name={d.icon} className="h-3.5 w-3.5" />
                    </span>
                    <span className="min-w-0">
                      <span className="block text-sm font-medium">{d.label}</span>
                      <span className="line-clamp-2 block text-xs text-slate-500 dark:text-slate-400">
                        {d.description}
                      </span>
                    </span>
                  </div>
                </li>
              ))}
            </ul>
          </section>
        ))}
      </div>
    </aside>
  );
}
