import { describe, expect, it } from "vitest";
import { privateAnswerReason, privateHostReason, privateTargetReason, type Resolve } from "./private-targets";

const answers: Record<string, string[]> = {
  "public.example": ["93.184.216.34"],
  "inside.example": ["93.184.216.34", "10.0.0.5"],
};
const resolve: Resolve = async (hostname) =>
  (answers[hostname] ?? []).map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));

describe("private targets", () => {
  it("refuses private and loopback hosts as written", () => {
    expect(privateHostReason("127.0.0.1")).toBe("127.0.0.1 is a private or loopback address");
    expect(privateHostReason("localhost")).toBe("localhost is a private or loopback address");
    expect(privateHostReason("public.example")).toBeUndefined();
  });

  it("refuses a name when any address of its answer is private", () => {
    expect(
      privateAnswerReason("inside.example", [
        { address: "93.184.216.34", family: 4 },
        { address: "10.0.0.5", family: 4 },
      ]),
    ).toBe("inside.example resolves to a private address");
    expect(privateAnswerReason("public.example", [{ address: "93.184.216.34", family: 4 }])).toBeUndefined();
  });

  it("checks the host, then its answer (clients that resolve again themselves)", async () => {
    expect(await privateTargetReason("169.254.169.254", resolve)).toBe(
      "169.254.169.254 is a private or loopback address",
    );
    expect(await privateTargetReason("inside.example", resolve)).toBe("inside.example resolves to a private address");
    expect(await privateTargetReason("public.example", resolve)).toBeUndefined();
  });
});
