/**
 * Writes tokenizer.json documents in the Hugging Face `tokenizers` format for generated checkpoints:
 * a BERT-Chinese style WordPiece tokenizer and a Qwen style byte-level BPE tokenizer. Both cover the
 * given Chinese characters as single tokens, so random checkpoints tokenize Chinese text as real ones do.
 */

/** Every character of the CJK Unified Ideographs block, the default vocabulary (as bert-base-chinese). */
export function cjkBlock(): string[] {
  const out: string[] = [];
  for (let c = 0x4e00; c <= 0x9fff; c++) out.push(String.fromCodePoint(c));
  return out;
}

/** Full-width punctuation common in Chinese text; BertPreTokenizer makes each a token of its own. */
const CJK_PUNCTUATION = [..."。，、；：？！“”‘’（）《》【】「」『』…—·～％＋－＝／"];

function addedToken(id: number, content: string): Record<string, unknown> {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
}

export const BERT_SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] as const;

export function wordPieceTokenizer(chars: string[]): Record<string, unknown> {
  const vocab: string[] = [...BERT_SPECIALS];
  const seen = new Set<string>(vocab);
  const push = (t: string) => {
    if (!seen.has(t)) {
      seen.add(t);
      vocab.push(t);
    }
  };
  for (let c = 0x21; c <= 0x7e; c++) push(String.fromCharCode(c).toLowerCase());
  // Continuation pieces let any lower-case ASCII word or number tokenize without [UNK].
  for (const c of "abcdefghijklmnopqrstuvwxyz0123456789") push(`##${c}`);
  for (const c of CJK_PUNCTUATION) push(c);
  for (const c of chars) push(c);
  const ids = Object.fromEntries(vocab.map((t, i) => [t, i]));
  const special = (t: string) => ({ SpecialToken: { id: t, type_id: 0 } });
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: BERT_SPECIALS.map((t, i) => addedToken(i, t)),
    normalizer: {
      type: "BertNormalizer",
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: "BertPreTokenizer" },
    post_processor: {
      type: "TemplateProcessing",
      single: [special("[CLS]"), { Sequence: { id: "A", type_id: 0 } }, special("[SEP]")],
      pair: [
        special("[CLS]"),
        { Sequence: { id: "A", type_id: 0 } },
        special("[SEP]"),
        { Sequence: { id: "B", type_id: 1 } },
        { SpecialToken: { id: "[SEP]", type_id: 1 } },
      ],
      special_tokens: Object.fromEntries(
        ["[CLS]", "[SEP]"].map((t) => [t, { id: t, ids: [ids[t]], tokens: [t] }]),
      ),
    },
    decoder: { type: "WordPiece", prefix: "##", cleanup: true },
    model: {
      type: "WordPiece",
      unk_token: "[UNK]",
      continuing_subword_prefix: "##",
      max_input_chars_per_word: 100,
      vocab: ids,
    },
  };
}

/** GPT-2's byte-to-printable-character table, which byte-level BPE vocabularies are written in. */
export function bytesToUnicode(): string[] {
  const direct: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) direct.push(b);
  for (let b = 0xa1; b <= 0xac; b++) direct.push(b);
  for (let b = 0xae; b <= 0xff; b++) direct.push(b);
  const table: string[] = new Array(256);
  for (const b of direct) table[b] = String.fromCodePoint(b);
  let n = 0;
  for (let b = 0; b < 256; b++) if (table[b] === undefined) table[b] = String.fromCodePoint(256 + n++);
  return table;
}

export const QWEN_EOS = "<|endoftext|>";

/** Qwen2/Qwen3's pre-tokenizer split pattern. */
const QWEN_SPLIT =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

/**
 * Byte-level BPE: the 256 byte tokens, then for each character two merges (its first two UTF-8 bytes,
 * then that pair with the third) so that it becomes one token; `<|endoftext|>` is the one added token.
 */
export function byteLevelBpeTokenizer(chars: string[]): Record<string, unknown> {
  const table = bytesToUnicode();
  const vocab: string[] = [...table];
  const index = new Map(vocab.map((t, i) => [t, i]));
  const pairMerges: string[] = [];
  const tripleMerges: string[] = [];
  const add = (t: string) => {
    if (index.has(t)) return false;
    index.set(t, vocab.length);
    vocab.push(t);
    return true;
  };
  for (const c of new Set([...CJK_PUNCTUATION, ...chars])) {
    const bytes = [...Buffer.from(c, "utf8")].map((b) => table[b]);
    if (bytes.length < 2) continue;
    let acc = bytes[0];
    for (let i = 1; i < bytes.length; i++) {
      const merged = acc + bytes[i];
      if (add(merged)) (i === 1 ? pairMerges : tripleMerges).push(`${acc} ${bytes[i]}`);
      acc = merged;
    }
  }
  const eosId = vocab.length;
  const byteLevel = { type: "ByteLevel", add_prefix_space: false, trim_offsets: false, use_regex: false };
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [addedToken(eosId, QWEN_EOS)],
    normalizer: { type: "NFC" },
    pre_tokenizer: {
      type: "Sequence",
      pretokenizers: [
        { type: "Split", pattern: { Regex: QWEN_SPLIT }, behavior: "Isolated", invert: false },
        byteLevel,
      ],
    },
    post_processor: byteLevel,
    decoder: byteLevel,
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: "",
      end_of_word_suffix: "",
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: Object.fromEntries(vocab.map((t, i) => [t, i])),
      merges: [...pairMerges, ...tripleMerges],
    },
  };
}

export const XLMR_SPECIALS = ["<s>", "<pad>", "</s>", "<unk>"] as const;
export const XLMR_MASK = "<mask>";

/**
 * A SentencePiece Unigram tokenizer in XLM-RoBERTa's layout (bge-m3, multilingual-e5): `<s>` 0,
 * `<pad>` 1, `</s>` 2, `<unk>` 3, then the pieces ("▁", printable ASCII, the given characters), and
 * `<mask>` last; Metaspace pre-tokenisation and `<s> … </s>` around each text. NFKC stands in for
 * the real files' precompiled normaliser (a compiled NFKC table).
 */
export function unigramTokenizer(chars: string[]): Record<string, unknown> {
  const pieces: [string, number][] = XLMR_SPECIALS.map((t) => [t, 0]);
  const seen = new Set<string>(XLMR_SPECIALS);
  const push = (t: string, score: number) => {
    if (seen.has(t)) return;
    seen.add(t);
    pieces.push([t, score]);
  };
  push("▁", -2);
  for (let c = 0x21; c <= 0x7e; c++) push(String.fromCharCode(c), -8);
  for (const c of [...CJK_PUNCTUATION, ...chars]) push(c.normalize("NFKC"), -10);
  pieces.push([XLMR_MASK, 0]);
  const ids = new Map(pieces.map(([t], i) => [t, i]));
  const special = (t: string) => ({ SpecialToken: { id: t, type_id: 0 } });
  const metaspace = { type: "Metaspace", replacement: "▁", prepend_scheme: "always", split: true };
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [...XLMR_SPECIALS, XLMR_MASK].map((t) => addedToken(ids.get(t)!, t)),
    normalizer: {
      type: "Sequence",
      normalizers: [{ type: "NFKC" }, { type: "Replace", pattern: { Regex: " {2,}" }, content: " " }],
    },
    pre_tokenizer: metaspace,
    post_processor: {
      type: "TemplateProcessing",
      single: [special("<s>"), { Sequence: { id: "A", type_id: 0 } }, special("</s>")],
      pair: [
        special("<s>"),
        { Sequence: { id: "A", type_id: 0 } },
        special("</s>"),
        special("</s>"),
        { Sequence: { id: "B", type_id: 0 } },
        special("</s>"),
      ],
      special_tokens: Object.fromEntries(
        ["<s>", "</s>"].map((t) => [t, { id: t, ids: [ids.get(t)], tokens: [t] }]),
      ),
    },
    decoder: metaspace,
    model: { type: "Unigram", unk_id: 3, vocab: pieces, byte_fallback: false },
  };
}
