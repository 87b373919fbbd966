import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, HubError } from '../src/errors.js';

describe('error codes', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

  it('documents every code with its status in docs/errors.md', () => {
    for (const [code, status] of Object.entries(ERROR_CODES)) expect(doc, code).toMatch(new RegExp(`\\| \`${code}\` \\| ${status} \\|`));
  });

  it('documents no code that does not exist', () => {
    const documented = [...doc.matchAll(/\| `(HUB_ERR_[A-Z_]+)` \|/g)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it('maps a HubError to its status and body', () => {
    const e = new HubError('HUB_ERR_CONFLICT', 'edge "wh-1" exists already', { edgeId: 'wh-1' });
    expect(e.status).toBe(409);
    expect(e.toBody()).toEqual({ error: { code: 'HUB_ERR_CONFLICT', message: 'edge "wh-1" exists already', details: { edgeId: 'wh-1' } } });
  });
});
