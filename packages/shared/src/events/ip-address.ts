/**
 * Small IP helpers shared by mask-pii (truncate-ip), the JSON Schema `ipv4`/`ipv6` formats and the
 * webhook SSRF guard. Pure string parsing so they run in the browser as well.
 */

export function parseIPv4(text: string): number[] | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const octets: number[] = [];
  for (const part of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return undefined;
    const value = Number(part);
    if (value > 255) return undefined;
    octets.push(value);
  }
  return octets;
}

/** Eight 16-bit groups, supporting `::` compression and a trailing dotted IPv4 part. */
export function parseIPv6(text: string): number[] | undefined {
  const address = text.replace(/%[\w.-]+$/, ""); // zone id (fe80::1%eth0)
  if (!/^[0-9A-Fa-f:.]+$/.test(address) || address.length > 45) return undefined;
  const halves = address.split("::");
  if (halves.length > 2) return undefined;
  const parseGroups = (part: string): number[] | undefined => {
    if (part === "") return [];
    const groups: number[] = [];
    const pieces = part.split(":");
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]!;
      if (i === pieces.length - 1 && piece.includes(".")) {
        const v4 = parseIPv4(piece);
        if (!v4) return undefined;
        groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!/^[0-9A-Fa-f]{1,4}$/.test(piece)) return undefined;
        groups.push(parseInt(piece, 16));
      }
    }
    return groups;
  };
  const head = parseGroups(halves[0]!);
  const tail = halves.length === 2 ? parseGroups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const missing = 8 - head.length - tail.length;
  if (missing < 1) return undefined;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

/**
 * Anonymises an IP the way analytics tools do: IPv4 keeps the /24 (last octet zeroed), IPv6 keeps
 * the /48. Returns undefined for anything that is not an IP address.
 */
export function truncateIp(text: string): string | undefined {
  const v4 = parseIPv4(text);
  if (v4) return `${v4[0]}.${v4[1]}.${v4[2]}.0`;
  const v6 = parseIPv6(text);
  if (v6)
    return `${v6
      .slice(0, 3)
      .map((group) => group.toString(16))
      .join(":")}::`;
  return undefined;
}

/**
 * True for addresses a webhook must not reach unless explicitly allowed: loopback, private, link-local
 * (cloud metadata at 169.254.169.254), carrier-grade NAT, unspecified, multicast and reserved ranges,
 * including IPv4 embedded in IPv6 (mapped, NAT64).
 */
export function isPrivateAddress(ip: string): boolean {
  const v4 = parseIPv4(ip);
  if (v4) return isPrivateV4(v4);
  const v6 = parseIPv6(ip);
  if (!v6) return false;
  const [g0, g1, g2, g3, g4, g5, g6, g7] = v6 as [number, number, number, number, number, number, number, number];
  const embeddedV4 = [g6 >> 8, g6 & 0xff, g7 >> 8, g7 & 0xff];
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && (g5 === 0xffff || g5 === 0)) {
    // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible), ::1 and :: itself.
    return g5 === 0 && g6 === 0 && g7 <= 1 ? true : isPrivateV4(embeddedV4);
  }
  if (g0 === 0x64 && g1 === 0xff9b) return isPrivateV4(embeddedV4); // NAT64
  if ((g0 & 0xfe00) === 0xfc00) return true; // unique local fc00::/7
  if ((g0 & 0xffc0) === 0xfe80) return true; // link-local fe80::/10
  if ((g0 & 0xff00) === 0xff00) return true; // multicast
  if (g0 === 0x2001 && g1 === 0xdb8) return true; // documentation
  return false;
}

function isPrivateV4([a, b]: number[]): boolean {
  if (a === undefined || b === undefined) return false;
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 192 && b === 0) ||
    (a === 198 && (b === 18 || b === 19)) ||
    a >= 224
  );
}

/**
 * Hostname-level SSRF screen for configs (before DNS): localhost names, internal TLDs and private IP
 * literals. The runner must still check the resolved addresses with isPrivateAddress at connect time,
 * because a public name can resolve to a private address.
 */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, "")
    .replace(/\.$/, "");
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (host.endsWith(".local") || host.endsWith(".internal") || host.endsWith(".home.arpa")) return true;
  if (parseIPv4(host) || parseIPv6(host)) return isPrivateAddress(host);
  // Single-label names resolve through search domains to internal hosts.
  return !host.includes(".");
}
