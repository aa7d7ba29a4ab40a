"use client";
import { createContext, useContext, type ReactNode } from "react";

const IngestUrlContext = createContext<string>("");

/** Where clients send events (the runner's public base URL), handed down from the server page. */
export function IngestUrlProvider({ url, children }: { url: string; children: ReactNode }) {
  return <IngestUrlContext.Provider value={url}>{children}</IngestUrlContext.Provider>;
}

export function useIngestUrl(): string {
  return useContext(IngestUrlContext);
}
