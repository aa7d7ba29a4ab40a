const BASE = "http://sluice.invalid";

/**
 * The `?next=` target after sign-in/sign-up, kept to paths on this site. `//other.site`, `/\other.site`
 * (browsers read `\` as `/`), control characters (a tab inside `/\t/x` is dropped by URL parsing) and
 * absolute URLs fall back to `fallback`; what is returned is the path as the URL parser resolved it.
 */
export function safeNextPath(raw: string | null | undefined, fallback = "/"): string {
  // eslint-disable-next-line no-control-regex
  if (!raw || !raw.startsWith("/") || raw.startsWith("//") || /[\\\u0000-\u001f\u007f]/.test(raw)) return fallback;
  let url: URL;
  try {
    url = new URL(raw, BASE);
  } catch {
    return fallback;
  }
  if (url.origin !== BASE) return fallback;
  return `${url.pathname}${url.search}${url.hash}`;
}
