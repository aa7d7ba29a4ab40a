import { describe, expect, it } from "vitest";
import { auditCsv } from "./audit-export";

const entry = {
  id: "7",
  createdAt: "2026-12-03T09:00:00.000Z",
  actorType: "user",
  actorId: "u1",
  actorEmail: "ada@example.com",
  action: "pipeline.rename",
  resourceType: "pipeline",
  resourceId: "p1",
  outcome: "success",
  ip: null,
  userAgent: 'Mozilla "quoted", with comma',
  summary: { before: '=HYPERLINK("x")', after: "B" },
};

describe("auditCsv", () => {
  it("writes a header and one quoted, escaped line per entry", () => {
    const [header, line, end] = auditCsv([entry]).split("\r\n");
    expect(header).toBe(
      "id,createdAt,actorType,actorId,actorEmail,action,resourceType,resourceId,outcome,ip,userAgent,summary",
    );
    expect(line).toBe(
      '7,2026-12-03T09:00:00.000Z,user,u1,ada@example.com,pipeline.rename,pipeline,p1,success,,"Mozilla ""quoted"", with comma","{""before"":""=HYPERLINK(\\""x\\"")"",""after"":""B""}"',
    );
    expect(end).toBe("");
  });

  it("defuses cells a spreadsheet would run as formulas", () => {
    const line = auditCsv([{ ...entry, userAgent: "=cmd|' /C calc'!A0", resourceId: "+1", actorEmail: "@x" }]).split(
      "\r\n",
    )[1]!;
    expect(line).toContain(",'=cmd|' /C calc'!A0,");
    expect(line).toContain(",'+1,");
    expect(line).toContain(",'@x,");
  });
});
