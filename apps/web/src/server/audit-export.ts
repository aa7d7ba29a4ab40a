import "server-only";

export type AuditExportEntry = {
  id: string;
  createdAt: string;
  actorType: string;
  actorId: string | null;
  actorEmail: string | null;
  action: string;
  resourceType: string;
  resourceId: string | null;
  outcome: string;
  ip: string | null;
  userAgent: string | null;
  summary: unknown;
};

const COLUMNS = [
  "id",
  "createdAt",
  "actorType",
  "actorId",
  "actorEmail",
  "action",
  "resourceType",
  "resourceId",
  "outcome",
  "ip",
  "userAgent",
  "summary",
] as const;

/**
 * RFC 4180 CSV. Cells a spreadsheet would run as a formula (=, +, -, @, tab, CR first) get a leading
 * apostrophe: names, user agents and summaries come from users.
 */
export function auditCsv(entries: readonly AuditExportEntry[]): string {
  const cell = (value: unknown): string => {
    let text = value === null || value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value);
    if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [COLUMNS.join(","), ...entries.map((e) => COLUMNS.map((c) => cell(e[c])).join(","))].join("\r\n") + "\r\n";
}
