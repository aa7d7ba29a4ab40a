import { z } from "zod";

/**
 * Workspace roles, from least to most powerful. A member has exactly one role per workspace.
 * The server checks scopes (never roles) so a new role is a change to this file only.
 */
export const Role = z.enum(["viewer", "editor", "admin", "owner"]);
export type Role = z.infer<typeof Role>;

export const ROLES: readonly Role[] = Role.options;

/** Every permission the product knows. Procedures and routes declare exactly one of these. */
export const Scope = z.enum([
  "workspace:read",
  "workspace:update",
  "workspace:delete",
  "workspace:transfer",
  "member:read",
  "member:manage",
  "member:manage-owners",
  "pipeline:read",
  "pipeline:create",
  "pipeline:update",
  "pipeline:delete",
  "pipeline:preview",
  "version:publish",
  "deployment:read",
  "deployment:create",
  "deployment:stop",
  "metrics:read",
  "tap:read",
  "tap:read-raw",
  "dlq:read",
  "dlq:read-raw",
  "dlq:replay",
  "dlq:discard",
  "alert:read",
  "alert:manage",
  "apikey:read",
  "apikey:manage",
  "secret:read",
  "secret:manage",
  "connection:read",
  "connection:manage",
  "audit:read",
]);
export type Scope = z.infer<typeof Scope>;

const viewer: Scope[] = [
  "workspace:read",
  "member:read",
  "pipeline:read",
  "deployment:read",
  "metrics:read",
  "tap:read",
  "dlq:read",
  "alert:read",
  // Names and brokers only (pipelines name connections; the canvas checks them); credentials never leave the server.
  "connection:read",
];

const editor: Scope[] = [
  ...viewer,
  "pipeline:create",
  "pipeline:update",
  "pipeline:delete",
  "pipeline:preview",
  "version:publish",
];

const admin: Scope[] = [
  ...editor,
  "deployment:create",
  "deployment:stop",
  "member:manage",
  "apikey:read",
  "apikey:manage",
  "secret:read",
  "secret:manage",
  "connection:manage",
  "alert:manage",
  "tap:read-raw",
  "dlq:read-raw",
  "dlq:replay",
  "dlq:discard",
  "audit:read",
  "workspace:update",
];

const owner: Scope[] = [...admin, "member:manage-owners", "workspace:delete", "workspace:transfer"];

/** Role -> scopes. The single source of truth used by the API middleware and by the UI. */
export const ROLE_SCOPES: Readonly<Record<Role, ReadonlySet<Scope>>> = {
  viewer: new Set(viewer),
  editor: new Set(editor),
  admin: new Set(admin),
  owner: new Set(owner),
};

export function roleHasScope(role: Role, scope: Scope): boolean {
  return ROLE_SCOPES[role].has(scope);
}

/** Numeric rank, used where a member may only act on members below (or at) their own level. */
export function roleRank(role: Role): number {
  return ROLES.indexOf(role);
}

/**
 * Which roles `actor` may grant or change. Admins manage editors and viewers and other admins, but
 * never owners; only owners touch owners.
 */
export function assignableRoles(actor: Role): Role[] {
  if (actor === "owner") return [...ROLES];
  if (actor === "admin") return ["viewer", "editor", "admin"];
  return [];
}
