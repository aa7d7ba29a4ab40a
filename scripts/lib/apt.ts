import { spawnSync } from "node:child_process";

const has = (bin: string) => spawnSync("sh", ["-c", `command -v ${bin}`], { stdio: "ignore" }).status === 0;

/**
 * Installs Debian packages whose binaries are missing (Chromium for browser tests, docker-compose
 * to validate docker-compose.yml). Only as root with apt-get; otherwise says what to install.
 */
export function ensureDebianPackages(wanted: Record<string, string>): void {
  const missing = Object.entries(wanted).filter(([binary]) => !has(binary));
  if (missing.length === 0) return;
  const pkgs = missing.map(([, pkg]) => pkg);
  if (process.getuid?.() !== 0 || !has("apt-get")) {
    throw new Error(
      `missing ${missing.map(([b]) => b).join(", ")}: install the Debian packages ${pkgs.join(" ")} (apt-get install -y ${pkgs.join(" ")})`,
    );
  }
  console.log(`[sluice] installing ${pkgs.join(", ")} with apt-get ...`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
  const r = spawnSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...pkgs], {
    stdio: "inherit",
    env,
  });
  if (r.status !== 0) throw new Error(`apt-get install ${pkgs.join(" ")} failed`);
}
