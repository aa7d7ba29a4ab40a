// GET /sdk/v1/sluice.min.js: the JS SDK's browser bundle, served from the ingest listener so a site
// embeds one script from the same host it sends events to. Built by `npm run -w @sluice/sdk build`
// (npm start, npm test and the runner image do it); read once, then served from memory.
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { HttpError } from "../http/respond";
import type { Route } from "../http/router";

const BUNDLE = fileURLToPath(new URL("../../../../packages/sdk/dist/sluice.min.js", import.meta.url));

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
