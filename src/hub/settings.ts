import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

/** Where and how to reach the Hub, read from the same variables as the Python `huggingface_hub`. */
export interface HubSettings {
  /** `HF_ENDPOINT` (a mirror), default https://huggingface.co. */
  endpoint: string;
  /** `HF_TOKEN`, else the token file `huggingface-cli login` writes. Never logged or written. */
  token?: string;
  /** `HF_HUB_CACHE`, else `$HF_HOME/hub` (default ~/.cache/huggingface/hub). */
  cacheDir: string;
  /** `HF_HUB_OFFLINE=1`: only the cache is read. */
  offline: boolean;
}

export function hubSettings(env: NodeJS.ProcessEnv = process.env): HubSettings {
  const home = env.HF_HOME || join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "huggingface");
  const tokenFile = env.HF_TOKEN_PATH || join(home, "token");
  const token =
    env.HF_TOKEN?.trim() ||
    (existsSync(tokenFile) ? readFileSync(tokenFile, "utf8").trim() : "") ||
    undefined;
  return {
    endpoint: (env.HF_ENDPOINT || "https://huggingface.co").replace(/\/+$/, ""),
    token,
    cacheDir: env.HF_HUB_CACHE || join(home, "hub"),
    offline: ["1", "ON", "YES", "TRUE"].includes((env.HF_HUB_OFFLINE ?? "").toUpperCase()),
  };
}
