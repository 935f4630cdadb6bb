// The references stay complete: every key the spec parser accepts is in docs/pipeline-format.md,
// and every command and flag the CLI registers is in docs/cli.md.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerAgent } from '../../../cli/commands/agent';
import { registerAgents } from '../../../cli/commands/agents';
import { registerBuilds } from '../../../cli/commands/builds';
import { registerCancel } from '../../../cli/commands/cancel';
import { registerInit } from '../../../cli/commands/init';
import { registerPlan } from '../../../cli/commands/plan';
import { registerPair } from '../../../cli/commands/pair';
import { registerRun } from '../../../cli/commands/run';
import { registerServe } from '../../../cli/commands/serve';
import { jobKeys } from '../../../core/spec/job';
import { pipelineKeys } from '../../../core/spec/pipeline';
import { recipeKeys } from '../../../core/spec/recipe';
import { onBusyValues, processModes, resourceGroupKeys, settingsKeys } from '../../../core/spec/settings';
import { retryWhenValues } from '../../../core/spec/types';
import { recipeEntryKeys, workspaceKeys } from '../../../core/spec/workspace';

const repoRoot = join(import.meta.dirname, '../../..');
const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8');

/** Words of `list` that `text` never writes in backticks (alone, or as the start of `key: ...`). */
function missing(text: string, list: readonly string[]): string[] {
  return list.filter((word) => !new RegExp(`\`([\\w[\\]]+\\.)*${word.replace(/[.*]/g, '\\$&')}[\`:.]`).test(text));
}

describe('docs/pipeline-format.md', () => {
  const reference = read('docs/pipeline-format.md');

  it('names every key of every kind of document', () => {
    const keys = [...pipelineKeys, ...jobKeys, ...recipeKeys, ...settingsKeys, ...resourceGroupKeys, ...workspaceKeys, ...recipeEntryKeys, 'window', 'max', 'when'];
    expect(missing(reference, [...new Set(keys)])).toEqual([]);
  });

  it('names every value of process_mode, on_busy and retry.when', () => {
    expect(missing(reference, [...processModes, ...onBusyValues, ...retryWhenValues])).toEqual([]);
  });

  it('catches a key that is not written (the check can fail)', () => {
    expect(missing('`run` and `needs:`', ['run', 'needs', 'matrix'])).toEqual(['matrix']);
  });
});

describe('docs/cli.md', () => {
  const cli = read('docs/cli.md');
  const program = new Command('farmhand');
  registerPlan(program);
  registerRun(program);
  registerBuilds(program);
  registerInit(program);
  registerCancel(program);
  registerServe(program);
  registerAgent(program);
  registerAgents(program);
  registerPair(program);

  for (const command of program.commands) {
    it(`documents \`farmhand ${command.name()}\` and each of its flags`, () => {
      expect(cli).toContain(`## farmhand ${command.name()}`);
      const section = cli.split(`## farmhand ${command.name()}`)[1]?.split('\n## ')[0] ?? '';
      // Hidden options are for tests (e.g. `--no-mdns-probe`), not for users.
      const flags = command.options.filter((option) => !option.hidden).map((option) => option.long ?? option.short ?? '');
      expect(flags.filter((flag) => !section.includes(`\`${flag}`))).toEqual([]);
    });
  }
});
