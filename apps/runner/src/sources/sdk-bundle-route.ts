// GET /sdk/v1/sluice.min.js: the JS SDK's browser bundle, served from the ingest listener so a site
// embeds one script from the same host it sends events to. Built by `npm run -w @sluice/sdk build`
// (npm start, npm test and the runner image do it); read once, then served from memory.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { HttpError } from "../http/respond";
import type { Route } from "../http/router";

/** packages/sdk/dist/sluice.min.js of the checkout this module runs from, as sources or built (dist/). */
function checkoutSdkBundle(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "packages", "sdk", "package.json")))
      return join(dir, "packages", "sdk", "dist", "sluice.min.js");
    if (dirname(dir) === dir) return join(start, "sluice.min.js");
  }
}

const BUNDLE = checkoutSdkBundle();

export function sdkBundleRoute(file = BUNDLE): Route {
  let bundle: Promise<Buffer> | undefined;
  return {
    method: "GET",
    path: "/sdk/v1/sluice.min.js",
    async handler({ res }) {
      bundle ??= readFile(file);
      const body = await bundle.catch(() => {
        bundle = undefined;
        throw new HttpError(
          404,
          "not_found",
          "the SDK bundle is not built on this runner (npm run -w @sluice/sdk build)",
        );
      });
      res.writeHead(200, {
        "content-type": "text/javascript; charset=utf-8",
        "content-length": body.length,
        "cache-control": "public, max-age=300",
        // Any site may load the script; what it may send is decided per key at ingest.
        "access-control-allow-origin": "*",
        "cross-origin-resource-policy": "cross-origin",
      });
      res.end(body);
    },
  };
}
