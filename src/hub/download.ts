import { createHash } from "node:crypto";
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { dirname } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { CareError } from "../core/errors.js";
import { Progress } from "../util/progress.js";
import { causeOf, type FileInfo, type HubClient } from "./client.js";

const MiB = 1 << 20;

/**
 * Downloads a file into `blob` through `<blob>.incomplete`. A partial file left by a killed run or a
 * dropped connection is continued with a Range request; the finished file must have the announced
 * size and, where the ETag is a content hash (sha256 for LFS files, the git blob hash for small
 * ones), that hash before it is renamed into place.
 */
export async function downloadBlob(
  client: HubClient,
  info: FileInfo,
  blob: string,
  label: string,
  quiet?: boolean,
): Promise<void> {
  const part = `${blob}.incomplete`;
  mkdirSync(dirname(blob), { recursive: true });
  const total = Math.max(1, Math.ceil(info.size / MiB));
  const progress = new Progress(label, total, "MiB", quiet);
  let ticked = 0;
  const show = (bytes: number) => {
    const whole = bytes >= info.size ? total : Math.floor(bytes / MiB);
    if (whole > ticked) progress.tick(whole - ticked);
    ticked = Math.max(ticked, whole);
  };
  for (let attempt = 0; ; attempt++) {
    let have = existsSync(part) ? statSync(part).size : 0;
    if (have > info.size) {
      rmSync(part);
      have = 0;
    }
    if (have === info.size && existsSync(part)) break;
    let problem: string;
    try {
      const res = await fetch(info.url, {
        headers: client.headers(info.url, {
          "accept-encoding": "identity",
          ...(have > 0 ? { range: `bytes=${have}-` } : {}),
        }),
      });
      const start =
        res.status === 206 ? Number(/^bytes (\d+)-/.exec(res.headers.get("content-range") ?? "")?.[1]) : 0;
      if ((res.status === 200 || res.status === 206) && res.body && (start === have || start === 0)) {
        if (start === 0) have = 0;
        show(have);
        let got = have;
        await pipeline(
          Readable.fromWeb(res.body as WebReadableStream<Uint8Array>),
          async function* (chunks: AsyncIterable<Buffer>) {
            for await (const c of chunks) {
              got += c.length;
              show(got);
              yield c;
            }
          },
          createWriteStream(part, { flags: have > 0 ? "a" : "w" }),
        );
        if (got === info.size) break;
        problem = `connection closed after ${got} of ${info.size} bytes`;
      } else if (res.status === 416 || res.status === 206) {
        await res.body?.cancel();
        rmSync(part, { force: true });
        problem = `the server refused to resume at byte ${have} (HTTP ${res.status})`;
      } else if (res.status >= 500 || res.status === 429) {
        await res.body?.cancel();
        problem = `HTTP ${res.status}`;
      } else {
        throw client.refusal(res, label);
      }
    } catch (e) {
      if (e instanceof CareError) throw e;
      problem = causeOf(e);
    }
    if (attempt >= client.retries) {
      const kept = existsSync(part) ? statSync(part).size : 0;
      throw new CareError(
        `${label}: download failed after ${attempt + 1} tries (${problem}); ${kept} bytes are kept and the next run resumes from there`,
        part,
      );
    }
    await client.pause(attempt, label, problem);
  }
  show(info.size);
  progress.finish();
  const bad = await checkContent(part, info);
  if (bad) {
    rmSync(part);
    throw new CareError(`${label}: ${bad}; the download was removed, run again to fetch it anew`);
  }
  renameSync(part, blob);
}

/** Why the file is not the one the ETag names, or undefined when it is (or the ETag is no hash). */
async function checkContent(file: string, info: FileInfo): Promise<string | undefined> {
  const size = statSync(file).size;
  if (size !== info.size) return `${size} bytes, the Hub announced ${info.size}`;
  let hash;
  if (/^[0-9a-f]{64}$/.test(info.etag)) hash = createHash("sha256");
  else if (/^[0-9a-f]{40}$/.test(info.etag)) hash = createHash("sha1").update(`blob ${size}\0`);
  else return undefined;
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  const got = hash.digest("hex");
  return got === info.etag ? undefined : `content hash ${got} differs from the ETag ${info.etag}`;
}
