// Flag helpers of the CLI: --only selectors with matrix brackets, and help texts with one default each.
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { helpSettings } from '../../../cli/help';
import { collectSelectors } from '../../../cli/load';
import { registerBuilds } from '../../../cli/commands/builds';
import { registerPlan } from '../../../cli/commands/plan';
import { registerRun } from '../../../cli/commands/run';

describe('collectSelectors', () => {
  it('splits at commas outside brackets and keeps a matrix job whole', () => {
    expect(collectSelectors('build/compile[cc=gcc,os=debian]', [])).toEqual(['build/compile[cc=gcc,os=debian]']);
    expect(collectSelectors('a, b/x[k=1,l=2] ,c', ['z'])).toEqual(['z', 'a', 'b/x[k=1,l=2]', 'c']);
    expect(collectSelectors(',,', [])).toEqual([]);
  });
});

describe('help texts', () => {
  it('print each default once, and none for off switches and empty lists', () => {
    const program = new Command('farmhand').configureHelp(helpSettings);
    registerPlan(program);
    registerRun(program);
    registerBuilds(program);
    for (const command of program.commands) {
      // One entry per option: its first line starts with `  -`, wrapped lines follow.
      const entries = command.helpInformation().split(/\n(?= {2}-)/).slice(1).map((entry) => entry.replace(/\s+/g, ' '));
      expect(entries.length).toBeGreaterThanOrEqual(2);
      for (const entry of entries) {
        expect(entry.split('default:').length - 1, entry).toBeLessThanOrEqual(1);
        expect(entry).not.toContain('(default: false)');
        expect(entry).not.toContain('(default: [])');
      }
    }
    const run = program.commands.find((command) => command.name() === 'run')!.helpInformation().replace(/\s+/g, ' ');
    expect(run).toContain('slots of the local agent (default: cores)');
    const builds = program.commands.find((command) => command.name() === 'builds')!.helpInformation().replace(/\s+/g, ' ');
    expect(builds).toContain('how many builds (default: 20)');
  });
});
