import { describe, expect, it } from 'vitest';
import { parseRequirement } from '../../../core/spec/requirements';
import type { Requirement } from '../../../core/spec/types';

const loc = { file: 'recipe.yml', line: 1, col: 1 };

function parsed(text: string): Requirement {
  const result = parseRequirement(text, loc);
  if (!result.ok) throw new Error(result.message);
  return result.requirement;
}

describe('parseRequirement', () => {
  it('reads a bare name as any version', () => {
    expect(parsed('perl')).toEqual({ name: 'perl', constraints: [], text: 'perl', loc });
  });

  it.each([
    ['zlib/>=1.2.12', [{ op: '>=', version: '1.2.12' }]],
    ['zlib/>=1.2.12,<2', [{ op: '>=', version: '1.2.12' }, { op: '<', version: '2' }]],
    ['cmake/>= 3.20, <4', [{ op: '>=', version: '3.20' }, { op: '<', version: '4' }]],
    ['openssl/=3.0.2', [{ op: '=', version: '3.0.2' }]],
    ['openssl/~3.0', [{ op: '~', version: '3.0' }]],
    ['python/3.11', [{ op: 'prefix', version: '3.11' }]],
    ['a/>1', [{ op: '>', version: '1' }]],
    ['a/<=1', [{ op: '<=', version: '1' }]],
    ['libstdc++/>=12', [{ op: '>=', version: '12' }]],
  ])('%s', (text, constraints) => {
    const requirement = parsed(text);
    expect(requirement.constraints).toEqual(constraints);
    expect(requirement.text).toBe(text);
  });

  it.each(['', 'Zlib', 'zlib/', 'zlib/>=', 'zlib/>=1,,2', 'zlib/!3', 'zlib/>=1 2', '/1.0', 'a b', 'zlib/=>1'])('refuses %j with a message and remedy', (text) => {
    const result = parseRequirement(text, loc);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.message).toContain('requirement');
      expect(result.remedy).toContain('zlib/>=1.2.12,<2');
    }
  });
});
