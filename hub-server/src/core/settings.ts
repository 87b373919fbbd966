import { z } from 'zod';

type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

/** Is it a plain object (not an array, not null)? */
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function merge(defaults: unknown, given: unknown): unknown {
  if (given === undefined) return structuredClone(defaults);
  if (!isObject(defaults) || !isObject(given)) return given;
  const out: Record<string, unknown> = { ...structuredClone(defaults) };
  for (const [k, v] of Object.entries(given)) out[k] = merge(defaults[k], v);
  return out;
}

const TRUE = ['true', '1', 'yes'];
const FALSE = ['false', '0', 'no'];

/** Environment strings → the number or boolean the schema expects there (else left for the schema to refuse). */
function coerce(schema: z.ZodType, value: unknown): unknown {
  const def = (schema as unknown as { def: { type: string; innerType?: z.ZodType; shape?: Record<string, z.ZodType> } }).def;
  if (def.innerType) return coerce(def.innerType, value);
  if (def.type === 'object' && isObject(value)) {
    const shape = (schema as z.ZodObject).shape as Record<string, z.ZodType>;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape[k] ? coerce(shape[k], v) : v]));
  }
  if (typeof value !== 'string') return value;
  if (def.type === 'number' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  if (def.type === 'boolean') return TRUE.includes(value) ? true : FALSE.includes(value) ? false : value;
  return value;
}

/**
 * A module's settings from one schema (the one its API also answers with) and its defaults: the
 * given values are laid over the defaults, and strings from the environment become the numbers
 * and booleans the schema expects. So the settings are described once, not once for the API and
 * again for the configuration.
 */
export function settingsSchema<S extends z.ZodObject>(schema: S, defaults: z.infer<S> & Json): z.ZodPrefault<z.ZodType<z.output<S>, DeepPartial<z.input<S>>>> {
  // prefault: an absent section is {} and so every default
  return z.preprocess((given) => coerce(schema, merge(defaults, given)), schema).prefault({}) as never;
}

type DeepPartial<T> = T extends object ? { [K in keyof T]?: DeepPartial<T[K]> | string } : T | string;
