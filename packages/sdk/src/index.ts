export { createClient, SDK_VERSION } from "./client";
export type { Client, ClientOptions, ClientStats, Json, Props, SdkEvent } from "./types";
