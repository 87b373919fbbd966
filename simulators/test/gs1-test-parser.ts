// The GS1 element-string parser of the tests is the contracts' one (the edge uses it too); this
// adapter keeps the strictness the generator is held to: no problems at all, and the string in
// its canonical form — GS only after a variable-length value that is not the last, none at the
// end, none after a predefined-length value.
import { formatGs1ElementString, parseGs1ElementString } from '@cjp/contracts';

export interface Gs1Element {
  ai: string;
  value: string;
}

export function parseGs1(data: string): Gs1Element[] {
  const parsed = parseGs1ElementString(data, { brackets: false });
  if (!parsed) throw new Error(`not a GS1 element string: ${JSON.stringify(data)}`);
  if (parsed.problems.length > 0) throw new Error(`${JSON.stringify(data)}: ${parsed.problems.join('; ')}`);
  const elements = parsed.elements.map(({ ai, value }) => ({ ai, value }));
  const canonical = formatGs1ElementString(elements);
  if (canonical !== data) throw new Error(`GS separators out of place: ${JSON.stringify(data)}, expected ${JSON.stringify(canonical)}`);
  return elements;
}
