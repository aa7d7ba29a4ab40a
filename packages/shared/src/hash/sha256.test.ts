import { describe, expect, it } from "vitest";
import { fnv1a32 } from "./fnv1a";
import { hmacSha256, hmacSha256Hex } from "./hmac-sha256";
import { mixSeed, seededRandom } from "./seeded-random";
import { sha256, toHex, utf8Bytes } from "./sha256";

describe("sha256", () => {
  it("matches FIPS 180-2 test vectors", () => {
    expect(toHex(sha256(utf8Bytes("")))).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(toHex(sha256(utf8Bytes("abc")))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(toHex(sha256(utf8Bytes("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")))).toBe(
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    );
  });

  it("agrees with Web Crypto on inputs around block boundaries", async () => {
    for (const length of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000]) {
      const data = Uint8Array.from({ length }, (_, i) => (i * 31 + length) & 0xff);
      const expected = new Uint8Array(await crypto.subtle.digest("SHA-256", data));
      expect(toHex(sha256(data))).toBe(toHex(expected));
    }
  });
});

describe("hmacSha256", () => {
  it("matches RFC 4231 test case 2", () => {
    expect(hmacSha256Hex("Jefe", "what do ya want for nothing?")).toBe(
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    );
  });

  it("agrees with Web Crypto, including keys longer than a block", async () => {
    for (const keyLength of [3, 64, 100]) {
      const key = Uint8Array.from({ length: keyLength }, (_, i) => i & 0xff);
      const message = new Uint8Array(utf8Bytes(`message for a ${keyLength}-byte key ✓`));
      const cryptoKey = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
      const expected = new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, message));
      expect(toHex(hmacSha256(key, message))).toBe(toHex(expected));
    }
  });
});

describe("fnv1a32 and seededRandom", () => {
  it("are stable across runs", () => {
    expect(fnv1a32("hello")).toBe(0x4f9f2cab);
    const a = seededRandom(mixSeed(42, 7));
    const b = seededRandom(mixSeed(42, 7));
    expect([a.next(), a.int(100), a.pick(["x", "y", "z"])]).toEqual([b.next(), b.int(100), b.pick(["x", "y", "z"])]);
  });

  it("respects weights", () => {
    const random = seededRandom(1);
    const counts = { a: 0, b: 0 };
    for (let i = 0; i < 10_000; i++) counts[random.weighted(["a", "b"] as const, [9, 1])]++;
    expect(counts.a / 10_000).toBeCloseTo(0.9, 1);
  });
});
