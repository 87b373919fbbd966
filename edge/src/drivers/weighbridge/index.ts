import { A12eDecoder, type A12eOptions } from './yaohua-a12e.js';
import { ToledoDecoder, type ToledoOptions } from './toledo.js';
import type { WeightFormat, WeightFrameDecoder } from './types.js';
import { Xk3190Decoder, type Xk3190Options } from './yaohua-xk3190.js';
import { YaohuaEqDecoder, type YaohuaEqOptions } from './yaohua-eq.js';

export * from './types.js';
export { ToledoDecoder, toledoChecksum, type ToledoOptions } from './toledo.js';
export { Xk3190Decoder, type Xk3190Options } from './yaohua-xk3190.js';
export { YaohuaEqDecoder, type YaohuaEqOptions } from './yaohua-eq.js';
export { A12eDecoder, type A12eOptions } from './yaohua-a12e.js';
export { EMPTY_STABILITY, StabilityTracker, nextStability, type StabilityOptions, type StabilityState } from './stability.js';

export interface WeightDecoderOptions {
  toledo: ToledoOptions;
  'yaohua-xk3190': Xk3190Options;
  'yaohua-eq': YaohuaEqOptions;
  'yaohua-a12e': A12eOptions;
}

const FACTORIES: { [F in WeightFormat]: (options?: WeightDecoderOptions[F]) => WeightFrameDecoder } = {
  toledo: (o) => new ToledoDecoder(o),
  'yaohua-xk3190': (o) => new Xk3190Decoder(o),
  'yaohua-eq': (o) => new YaohuaEqDecoder(o),
  'yaohua-a12e': (o) => new A12eDecoder(o),
};

/** A fresh decoder for one indicator's byte stream; throws only on an unknown format name (config). */
export function createWeightDecoder<F extends WeightFormat>(format: F, options?: WeightDecoderOptions[F]): WeightFrameDecoder {
  if (!Object.hasOwn(FACTORIES, format)) throw new RangeError(`unknown weighbridge frame format "${String(format)}"`);
  const make: (options?: WeightDecoderOptions[F]) => WeightFrameDecoder = FACTORIES[format];
  return make(options);
}
