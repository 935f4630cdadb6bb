// The layer map of STYLE.md §1 is held by lint: each forbidden import below must be reported, and
// an allowed one must not. (If the rules were loosened, these tests would fail.)
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: process.cwd() });

async function restricted(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: file });
  return (result?.messages ?? []).filter((m) => m.ruleId?.endsWith('no-restricted-imports')).map((m) => m.message);
}

describe('layer boundaries', () => {
  it.each([
    ['core/plan/x.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n"],
    ['core/spec/x.ts', "import Database from 'better-sqlite3';\nexport const x = Database;\n"],
    ['core/store/x.ts', "import Docker from 'dockerode';\nexport const x = Docker;\n"],
    ['core/coordinator/x.ts', "import { createAgent } from '../../agent/agent';\nexport const x = createAgent;\n"],
    ['agent/x.ts', "import { openStore } from '../core/store/sqlite-store';\nexport const x = openStore;\n"],
    ['agent/x.ts', "import { planProject } from '../core/plan/plan-project';\nexport const x = planProject;\n"],
    ['renderer/x.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n"],
    ['renderer/x.ts', "import { protocolVersion } from '../core/protocol/types';\nexport const x = protocolVersion;\n"],
    ['electron/x.ts', "import { jobStateLooks } from '../renderer/job-states';\nexport const x = jobStateLooks;\n"],
  ])('%s may not: %s', async (file, source) => {
    expect(await restricted(file, source)).not.toEqual([]);
  });

  it.each([
    ['core/plan/x.ts', "import { createHash } from 'node:crypto';\nexport const x = createHash;\n"],
    ['agent/x.ts', "import type { AgentInfo } from '../core/protocol/types';\nexport type X = AgentInfo;\n"],
    ['renderer/x.ts', "import type { JobState } from '../core/protocol/types';\nexport type X = JobState;\n"],
    ['core/store/x.ts', "import Database from 'better-sqlite3';\nexport const x = Database;\n"],
  ])('%s may: %s', async (file, source) => {
    expect(await restricted(file, source)).toEqual([]);
  });
});
