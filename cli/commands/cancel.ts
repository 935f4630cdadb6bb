// `farmhand cancel BUILD`: asks the coordinator that runs the build to cancel it.
import type { Command } from 'commander';
import { oneLine } from '../../agent/executors/messages';
import { resolveStateDir } from '../../core/store/state-dir';
import { createApiClient } from '../api-client';
import { findOwner } from '../coordinator-host';
import { exitCodes } from '../exit-codes';

/** Registers `farmhand cancel`. */
export function registerCancel(program: Command): void {
  program
    .command('cancel <build>')
    .description('cancel a running build (asks the coordinator of the state dir)')
    .option('--state-dir <dir>', 'where the database lives (env FARMHAND_STATE_DIR)')
    .action(async (build: string, flags: { stateDir?: string }) => {
      const stateDir = resolveStateDir(flags.stateDir, process.env);
      const owner = findOwner(stateDir);
      if (!owner) {
        process.stderr.write(`farmhand cancel: no coordinator is running on ${stateDir}, so no build there is running\n`);
        return void (process.exitCode = exitCodes.badInput);
      }
      try {
        const result = await createApiClient(owner).post<{ canceled: boolean }>(`/api/builds/${encodeURIComponent(build)}/cancel`, {});
        process.stdout.write(result.canceled ? `canceling ${build}\n` : `${build} is not running\n`);
      } catch (error) {
        process.stderr.write(`farmhand cancel: ${oneLine(error)}\n`);
        process.exitCode = (error as { status?: number }).status === 404 ? exitCodes.badInput : exitCodes.unreachable;
      }
    });
}
