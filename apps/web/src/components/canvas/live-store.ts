"use client";
import { createContext, useContext, useSyncExternalStore } from "react";
import type { MetricsSnapshotV1, NodeState, PipelineGraph } from "@sluice/shared";
import {
  appendSample,
  mapSnapshot,
  sampleOf,
  seedSeries,
  type LiveEdge,
  type LiveNode,
  type LiveSample,
} from "./live-overlay";

/**
 * Charts (hover chart, drawer) redraw at most this often; numbers update with every snapshot. A
 * recharts redraw costs tens of ms, which a loaded machine turns into a sluggish page at 1 Hz.
 */
export const CHART_REFRESH_MS = 5_000;

/**
 * Live figures for the canvas, outside React state: each node and edge component subscribes to its
 * own entry, so a snapshot re-renders the nodes and edge labels whose figures it carries and nothing
 * else (the graph, xyflow's node list and the editor stay untouched).
 */
export class LiveStore {
  private listeners = new Set<() => void>();
  private nodes = new Map<string, LiveNode>();
  private edges = new Map<string, LiveEdge>();
  private series = new Map<string, LiveSample[]>();
  /** What charts see: the series as of the last chart refresh (charts cost far more than numbers). */
  private chartView = new Map<string, LiveSample[]>();
  private chartAt = -Infinity;
  private seeded = false;
  at: number | null = null;

  constructor(
    readonly workspaceId: string,
    readonly pipelineId: string,
  ) {}

  /** The live tap of an edge (its source node and port), built by the tap page's owner. */
  tapHref(nodeId: string, port: string): string {
    return `/w/${this.workspaceId}/monitor/${this.pipelineId}/tap?node=${encodeURIComponent(nodeId)}&port=${encodeURIComponent(port)}`;
  }

  deadLettersHref(nodeId: string): string {
    return `/w/${this.workspaceId}/monitor/${this.pipelineId}/dead-letters?node=${encodeURIComponent(nodeId)}`;
  }

  subscribe = (listener: () => void) => {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  };

  node = (id: string) => this.nodes.get(id);
  edge = (id: string) => this.edges.get(id);
  samples = (id: string) => this.chartView.get(id);

  push(snapshot: MetricsSnapshotV1, graph: PipelineGraph, fallback: NodeState) {
    const mapped = mapSnapshot(snapshot, graph, fallback);
    this.nodes = mapped.nodes;
    this.edges = mapped.edges;
    for (const id of Object.keys(snapshot.nodes)) {
      const sample = sampleOf(snapshot, id);
      if (sample) this.series.set(id, appendSample(this.series.get(id) ?? [], sample));
    }
    this.at = snapshot.at;
    if (snapshot.at - this.chartAt >= CHART_REFRESH_MS) {
      this.chartView = new Map(this.series);
      this.chartAt = snapshot.at;
    }
    this.emit();
  }

  /** History arrives once; live samples already collected win over it. */
  seed(points: Parameters<typeof seedSeries>[0]) {
    if (this.seeded) return;
    this.seeded = true;
    for (const [id, history] of seedSeries(points)) {
      const live = this.series.get(id) ?? [];
      const older = history.filter((s) => live.length === 0 || s.t < live[0]!.t);
      this.series.set(id, [...older, ...live].slice(-60));
    }
    this.chartView = new Map(this.series);
    this.emit();
  }

  private emit() {
    for (const l of this.listeners) l();
  }
}

export const LiveStoreContext = createContext<LiveStore | null>(null);

const noop = () => () => undefined;
const none = () => undefined;

function useLive<T>(pick: (store: LiveStore) => T | undefined): T | undefined {
  const store = useContext(LiveStoreContext);
  return useSyncExternalStore(store ? store.subscribe : noop, store ? () => pick(store) : none, none);
}

export const useLiveNode = (id: string) => useLive((s) => s.node(id));
export const useLiveEdge = (id: string) => useLive((s) => s.edge(id));
export const useLiveSamples = (id: string) => useLive((s) => s.samples(id));
export const useLiveStore = () => useContext(LiveStoreContext);

/** Opens the node detail drawer (provided by the editor while the pipeline is live). */
export const OpenNodeContext = createContext<((nodeId: string) => void) | null>(null);
