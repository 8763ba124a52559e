/**
 * Seeded Chinese benchmark texts for `bench:encode`. Every character is a CJK Unified Ideograph
 * (U+4E00–U+9FFF), which the make-tiny tokenizers (and bert-base-chinese) map to exactly one token, so
 * a text of n characters is n tokens plus the model's special tokens: lengths are controlled exactly.
 */

/** Medical phrases the texts are cut from: the words a patient's query or a clinical note is made of. */
const PHRASES = [
  "糖尿病患者",
  "可以吃西瓜吗",
  "血糖高",
  "高血压",
  "早期症状有哪些",
  "头痛恶心",
  "发热三天",
  "咳嗽有痰",
  "孕妇能用什么药",
  "儿童腹泻怎么办",
  "胃痛吃什么药",
  "失眠多梦",
  "甲状腺结节",
  "需要手术吗",
  "肝功能异常",
  "转氨酶升高",
  "乳腺增生",
  "如何治疗",
  "心脏早搏",
  "严重吗",
  "腰椎间盘突出",
  "老人骨质疏松",
  "怎么补钙",
  "过敏性鼻炎",
  "反复发作",
  "尿酸偏高",
  "饮食注意什么",
  "胸闷气短",
  "医生建议",
  "复查时间",
  "抗生素",
  "副作用",
  "慢性胃炎",
  "幽门螺杆菌",
  "皮肤瘙痒",
  "湿疹",
  "新生儿黄疸",
  "多久消退",
  "冠心病",
  "支架术后",
  "血脂异常",
  "他汀类药物",
  "肾结石",
  "腰部疼痛",
  "体检发现",
  "肺部结节",
  "随访观察",
  "中医调理",
];

/** mulberry32: a small, fast, seedable generator; the same seed gives the same texts everywhere. */
export function seededRandom(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A text of exactly `length` characters: random phrases joined, then cut. */
export function medicalText(length: number, random: () => number): string {
  if (!Number.isInteger(length) || length < 1)
    throw new Error(`length must be a positive integer: ${length}`);
  let text = "";
  while (text.length < length) text += PHRASES[Math.floor(random() * PHRASES.length)];
  return text.slice(0, length);
}

/** `n` queries whose lengths are uniform over [minChars, maxChars]. */
export function benchQueries(n: number, minChars: number, maxChars: number, seed: number): string[] {
  if (minChars > maxChars) throw new Error(`minChars ${minChars} > maxChars ${maxChars}`);
  const random = seededRandom(seed);
  return Array.from({ length: n }, () =>
    medicalText(minChars + Math.floor(random() * (maxChars - minChars + 1)), random),
  );
}

/** `n` documents of exactly `chars` characters each. */
export function benchDocuments(n: number, chars: number, seed: number): string[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => medicalText(chars, random));
}
