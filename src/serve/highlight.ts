import { Jieba } from "@node-rs/jieba";
import { dict } from "@node-rs/jieba/dict.js";

let jieba: Jieba | undefined;

/** Function words that would light up every Chinese passage if highlighted. */
const STOP = new Set(
  "的 了 吗 呢 吧 啊 呀 是 和 与 或 在 有 也 就 都 而 及 我 你 他 她 它 怎么 什么 如何 可以 一下".split(" "),
);

/**
 * The query's terms as the search page highlights them in hits: jieba words (search mode, so long
 * compounds also yield their parts), without punctuation, whitespace or function words, deduplicated.
 */
export function queryTerms(query: string): string[] {
  jieba ??= Jieba.withDict(dict);
  const out = new Set<string>();
  for (const t of jieba.cutForSearch(query, true)) {
    const term = t.trim();
    if (term && /[\p{L}\p{N}]/u.test(term) && !STOP.has(term)) out.add(term);
  }
  return [...out];
}
