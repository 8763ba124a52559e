import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeTiny } from "../../src/models/make-tiny.js";
import { SafetensorsFile, writeSafetensors } from "../../src/weights/safetensors.js";

export const CHARS = [..."头痛发热咳嗽高血压糖尿病失眠胃过敏感冒腹泻的治疗和怎么办一二三四五六七八九十"];

/**
 * A tiny BERT made by make-tiny (`<root>/local`, the reference) and the same checkpoint laid out as a
 * Hub repository would hold it (`<root>/repo`): weights in two safetensors shards with an index, the
 * sentence-transformers files, and copies in formats a pull must not fetch.
 */
export function writeTinyRepo(root: string): { local: string; repo: string; shards: string[] } {
  const local = join(root, "local");
  const repo = join(root, "repo");
  makeTiny({ out: local, family: "bert", chars: CHARS, seed: 3 });
  mkdirSync(join(repo, "1_Pooling"), { recursive: true });
  mkdirSync(join(repo, "onnx"), { recursive: true });
  for (const f of readdirSync(local))
    if (f !== "model.safetensors") copyFileSync(join(local, f), join(repo, f));

  const weights = SafetensorsFile.open(join(local, "model.safetensors"));
  const names = weights.names();
  const shards = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"];
  const half = Math.ceil(names.length / 2);
  const weightMap: Record<string, string> = {};
  shards.forEach((shard, i) => {
    const part = names.slice(i * half, (i + 1) * half);
    writeSafetensors(
      join(repo, shard),
      part.map((name) => ({
        name,
        shape: weights.shape(name),
        dtype: "F32" as const,
        data: weights.float32(name),
      })),
      { format: "pt" },
    );
    for (const n of part) weightMap[n] = shard;
  });
  weights.close();
  writeJson(join(repo, "model.safetensors.index.json"), { metadata: {}, weight_map: weightMap });
  writeJson(join(repo, "modules.json"), [
    { idx: 0, name: "0", path: "", type: "sentence_transformers.models.Transformer" },
    { idx: 1, name: "1", path: "1_Pooling", type: "sentence_transformers.models.Pooling" },
  ]);
  writeJson(join(repo, "1_Pooling", "config.json"), {
    word_embedding_dimension: 32,
    pooling_mode_cls_token: true,
    pooling_mode_mean_tokens: false,
    pooling_mode_max_tokens: false,
    pooling_mode_mean_sqrt_len_tokens: false,
  });
  writeJson(join(repo, "config_sentence_transformers.json"), { prompts: { query: "问：", document: "" } });
  writeFileSync(join(repo, "pytorch_model.bin"), "not fetched");
  writeFileSync(join(repo, "onnx", "model.onnx"), "not fetched");
  writeFileSync(join(repo, "README.md"), "# tiny\n");
  return { local, repo, shards };
}

function writeJson(file: string, v: unknown): void {
  writeFileSync(file, JSON.stringify(v, null, 2) + "\n");
}
