// Entry point of the `farmhand` command: parses flags and hands over to one command module.
import { Command, CommanderError } from 'commander';
import { registerPlan } from './commands/plan';
import { registerRun } from './commands/run';
import { registerBuilds } from './commands/builds';
import { registerCancel } from './commands/cancel';
import { registerServe } from './commands/serve';
import { registerInit } from './commands/init';
import { exitCodes } from './exit-codes';
import { helpSettings } from './help';

const program = new Command('farmhand')
  .description('Plan and run build pipelines on this machine and on spare machines of your LAN.')
  .version('0.1.0')
  .exitOverride()
  .configureHelp(helpSettings)
  .configureOutput({
    writeErr: (text) => process.stderr.write(text),
    // One line: `farmhand: unknown option '--bogus' (did you mean --logs?)`.
    outputError: (text, write) => write(`farmhand: ${text.replace(/^error: /, '').replace(/\n\(Did you mean (.*)\?\)/, ' (did you mean $1?)')}`),
  })
  .showSuggestionAfterError(true);

registerPlan(program);
registerRun(program);
registerBuilds(program);
registerCancel(program);
registerServe(program);
registerInit(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exit(error.exitCode === 0 ? 0 : exitCodes.badInput);
  }
  process.stderr.write(`farmhand: internal error: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(exitCodes.buildFailed);
}
