import type { Command } from 'commander';

/** Registers `farmhand run`. */
export function registerRun(program: Command): void {
  program.command('run [dir]').description('plan and run the pipelines of DIR on this machine').action(() => {
    throw new Error('not built yet');
  });
}
