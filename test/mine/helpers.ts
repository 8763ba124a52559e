import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeTiny } from "../../src/models/make-tiny.js";

/** Questions that share few characters: distinct texts for the mining tests. */
export const QUESTIONS = [
  "糖尿病患者可以吃西瓜吗",
  "高血压头痛怎么办",
  "孕妇感冒了能吃药吗",
  "小儿发烧三十九度如何处理",
  "胃痛吃什么药好",
  "失眠多梦是什么原因",
  "乙肝病毒携带者能结婚吗",
  "脚踝扭伤后怎么冷敷",
];

export function tmp(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `care-mine-${prefix}-`));
}

/** A tiny random BERT whose vocabulary covers `texts`: a real hf: model, seconds to build. */
export function tinyBert(dir: string, texts: readonly string[], seed = 3): string {
  const chars = [...new Set([...texts.join("")].filter((c) => !/\s/u.test(c)))];
  makeTiny({ out: dir, family: "bert", chars, seed });
  return `hf:${dir}`;
}

export function writeJsonl(file: string, rows: readonly unknown[]): string {
  writeFileSync(file, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
  return file;
}

export function readJsonlSync<T = Record<string, unknown>>(file: string): T[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as T);
}
