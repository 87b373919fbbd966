/** Units a weighbridge frame can carry that we accept; weights are never converted between them. */
export type WeightUnit = 'kg' | 't' | 'lb' | 'g';

export const WEIGHT_UNITS: readonly WeightUnit[] = ['kg', 't', 'lb', 'g'];

/**
 * One decoded indicator frame. Weights are exact decimal strings in the frame's own unit (`unit`),
 * with the decimal places the frame encodes ("1.230" stays "1.230"); a minus sign only on non-zero
 * values. The `Kg` suffix is historical: a frame in t or lb gives t or lb here, unconverted.
 */
export interface WeightReading {
  /** the displayed weight when the indicator shows gross */
  grossKg?: string;
  /** the displayed weight when the indicator shows net */
  netKg?: string;
  /** the tare, when the frame carries one (Toledo full frame; A12E lowercase `wt` frame) */
  tareKg?: string;
  unit: WeightUnit;
  /** the indicator's sign for the displayed weight (set even when the value is zero) */
  negative: boolean;
  overload: boolean;
  /** only set by protocols that can say so (Toledo, A12E) */
  underload?: boolean;
  /** null: the protocol has no stability flag; infer it with stability.ts */
  stable: boolean | null;
  /** the frame's bytes exactly as received, as lowercase hex without separators */
  raw: string;
}

export type WeightDecodeResult =
  | { ok: true; reading: WeightReading }
  /** `raw` (lowercase hex) is set when the rejected bytes had the shape of a frame. */
  | { ok: false; reason: string; raw?: string };

export interface WeightDecoderStats {
  /** good frames decoded */
  frames: number;
  /** results with ok: false (frames that failed a check, and runs of bytes that formed no frame) */
  rejected: number;
  /** bytes consumed without being part of a good frame */
  droppedBytes: number;
  lastReject: string | null;
}

/**
 * A pure, synchronous byte-stream → reading converter for one indicator (STYLE.md P8, converter
 * side). Feeding the same bytes in any chunking gives the same results; it never throws on input,
 * and holds at most one frame's worth of bytes between calls.
 */
export interface WeightFrameDecoder {
  readonly format: WeightFormat;
  push(chunk: Buffer): WeightDecodeResult[];
  /** a snapshot of the counters */
  readonly stats: WeightDecoderStats;
  /** bytes held while waiting for the rest of a frame */
  readonly bufferedBytes: number;
  /** the longest frame this decoder accepts; `bufferedBytes` stays below it */
  readonly maxFrameBytes: number;
  /** forget a partial frame (e.g. after the transport reconnects); counters are kept */
  reset(): void;
}

export type WeightFormat = 'toledo' | 'yaohua-xk3190' | 'yaohua-eq' | 'yaohua-a12e';

export const WEIGHT_FORMATS: readonly WeightFormat[] = ['toledo', 'yaohua-xk3190', 'yaohua-eq', 'yaohua-a12e'];
