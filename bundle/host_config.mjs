// What command, arguments and environment a host app builds from a bundle's manifest.
//
// Uses getMcpConfigForManifest from @anthropic-ai/mcpb itself (the library whose variable
// substitution Claude Desktop implements), so a test can check the manifest's user_config -> env
// mapping as the host resolves it, not as we think it does.
//
// Run through npx so the package is on PATH (build.py does this):
//   npx -y -p @anthropic-ai/mcpb@VERSION node host_config.mjs MANIFEST BUNDLE_DIR USER_CONFIG_JSON
// Prints the resolved {command, args, env} as JSON on stdout.
import { existsSync, readFileSync } from "node:fs";
import { delimiter, join, sep } from "node:path";
import { pathToFileURL } from "node:url";

const [manifestPath, bundleDir, userConfigJson] = process.argv.slice(2);
// npx puts <cache>/node_modules/.bin on PATH; the package sits beside it.
const entry = (process.env.PATH || "")
  .split(delimiter)
  .map((dir) => join(dir, "..", "@anthropic-ai", "mcpb", "dist", "index.js"))
  .find((candidate) => existsSync(candidate));
if (!entry) {
  console.error("host_config.mjs: @anthropic-ai/mcpb not found on PATH; run it with npx -p @anthropic-ai/mcpb");
  process.exit(2);
}
const { getMcpConfigForManifest } = await import(pathToFileURL(entry).href);
const manifest = JSON.parse(readFileSync(manifestPath, "utf-8"));
const home = process.env.HOME || process.env.USERPROFILE || "";
const config = await getMcpConfigForManifest({
  manifest,
  extensionPath: bundleDir,
  systemDirs: {
    HOME: home,
    DESKTOP: join(home, "Desktop"),
    DOCUMENTS: join(home, "Documents"),
    DOWNLOADS: join(home, "Downloads"),
  },
  userConfig: JSON.parse(userConfigJson || "{}"),
  pathSeparator: sep,
  logger: console,
});
if (!config) {
  console.error("host_config.mjs: the host would not start this server (required configuration missing)");
  process.exit(3);
}
process.stdout.write(JSON.stringify(config));
