import type { Command } from 'commander';

/** Registers `farmhand plan`. */
export function registerPlan(program: Command): void {
  program.command('plan [dir]').description('print the DAG that `run` would execute').action(() => {
    throw new Error('not built yet');
  });
}
