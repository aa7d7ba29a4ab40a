import { describe, expect, it } from "vitest";
import { deletePath, withoutFields } from "./field-path";
import type { JsonObject } from "./json-value";

describe("withoutFields", () => {
  it("gives what deleting each field would, in one copy, keeping the other fields' order", () => {
    const event = JSON.parse('{"a":1,"b":{"c":2},"d":"x","__proto__":{"e":3},"f":null}') as JsonObject;
    const fields = new Set(["b", "f", "missing"]);
    let expected = event;
    for (const path of fields) expected = deletePath(expected, path);
    const result = withoutFields(event, fields);
    expect(result).toEqual(expected);
    expect(Object.keys(result)).toEqual(["a", "d", "__proto__"]);
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(Object.keys(event)).toHaveLength(5);
  });

  it("returns the event itself when it has none of the fields", () => {
    const event = { a: 1 };
    expect(withoutFields(event, new Set(["b", "toString"]))).toBe(event);
  });
});
