/**
 * GGUF v3 as llama.cpp reads it (ggml/include/gguf.h, gguf-py/gguf/constants.py). The numeric
 * values are part of the file format: never renumber them.
 */
export const GGUF_MAGIC = "GGUF";
export const GGUF_VERSION = 3;
/** Tensor data offsets are multiples of this unless `general.alignment` says otherwise. */
export const GGUF_DEFAULT_ALIGNMENT = 32;

/** Metadata value types (gguf_type). */
export enum GgufValueType {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
}

/** The tensor element types this writer produces (ggml_type). */
export enum GgmlType {
  F32 = 0,
  F16 = 1,
  Q8_0 = 8,
}

/** `general.file_type` (llama_ftype): the dominant weight type of the file. */
export enum LlamaFileType {
  ALL_F32 = 0,
  MOSTLY_F16 = 1,
  MOSTLY_Q8_0 = 7,
}

/** `tokenizer.ggml.token_type` (llama_token_type). */
export enum TokenType {
  NORMAL = 1,
  UNKNOWN = 2,
  CONTROL = 3,
  USER_DEFINED = 4,
  UNUSED = 5,
  BYTE = 6,
}

/** `<arch>.pooling_type` (llama_pooling_type). */
export enum PoolingType {
  NONE = 0,
  MEAN = 1,
  CLS = 2,
  LAST = 3,
  RANK = 4,
}

/** ggml's quantisation scheme version, written by gguf-py as `general.quantization_version`. */
export const GGML_QUANT_VERSION = 2;

/** Our own key: the checkpoint's model card (care.json resolved over the family defaults), as JSON. */
export const GGUF_CARD_KEY = "care.card";
