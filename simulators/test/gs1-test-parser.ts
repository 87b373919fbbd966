// A deliberately independent GS1 element-string parser for the tests (only the AIs the
// simulator prints), so the generator is not checked against itself.
const FIXED: Record<string, number> = { '00': 18, '01': 14, '02': 14, '17': 6, '3102': 6, '3301': 6 };
const VARIABLE: Record<string, number> = { '10': 20, '21': 20, '37': 8 };
const GS = '\u001d';

export interface Gs1Element {
  ai: string;
  value: string;
}

export function parseGs1(data: string): Gs1Element[] {
  const out: Gs1Element[] = [];
  let i = 0;
  while (i < data.length) {
    const ai = [4, 2].map((n) => data.slice(i, i + n)).find((a) => a in FIXED || a in VARIABLE);
    if (!ai) throw new Error(`unknown AI at ${i} in ${JSON.stringify(data)}`);
    i += ai.length;
    const fixed = FIXED[ai];
    if (fixed !== undefined) {
      const value = data.slice(i, i + fixed);
      if (!/^\d+$/.test(value) || value.length !== fixed) throw new Error(`AI ${ai} needs ${fixed} digits, got ${JSON.stringify(value)}`);
      out.push({ ai, value });
      i += fixed;
      if (data[i] === GS) throw new Error(`GS after fixed-length AI ${ai}`);
    } else {
      const end = data.indexOf(GS, i);
      const value = data.slice(i, end < 0 ? data.length : end);
      if (value.length === 0 || value.length > (VARIABLE[ai] ?? 0)) throw new Error(`AI ${ai} has a bad length: ${JSON.stringify(value)}`);
      out.push({ ai, value });
      i += value.length;
      if (end >= 0) {
        i++;
        if (i === data.length) throw new Error('GS at the end of the data');
      }
    }
  }
  return out;
}
