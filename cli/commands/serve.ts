// `farmhand serve [DIR...]`: a headless coordinator with the web UI and the API, for machines
// without a display (and what the desktop window shows).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { oneLine } from '../../agent/executors/messages';
import { resolveStateDir } from '../../core/store/state-dir';
import { createApiClient } from '../api-client';
import { exitCodes } from '../exit-codes';
import { startHost } from '../host';
import { portNumber } from './agent';
import { positiveInteger } from './run';

interface ServeFlags {
  stateDir?: string;
  port: number;
  host?: string;
  tokenFile?: string;
  jobs?: number;
  agentConfig?: string;
}

/** Registers `farmhand serve`. */
export function registerServe(program: Command): void {
  program
    .command('serve [dirs...]')
    .description('run a coordinator with the web UI and API until stopped (loopback only unless --host)')
    .option('--state-dir <dir>', 'where the database, cache and logs live (env FARMHAND_STATE_DIR)')
    .option('--port <n>', 'port to listen on (0: any free port)', portNumber, 4700)
    .option('--host <address>', 'address to listen on; anything but loopback must be given here (default: 127.0.0.1)')
    .option('--token-file <file>', 'read the API token from this file instead of making a fresh one')
    .option('--jobs <n>', 'slots of the local agent (default: cores)', positiveInteger)
    .option('--agent-config <file>', "this machine's agent settings (default: agent.yml in the state dir)")
    .action(async (dirs: string[], flags: ServeFlags) => {
      process.exitCode = await serve(dirs, flags);
    });
}

async function serve(dirs: string[], flags: ServeFlags): Promise<number> {
  let token: string | undefined;
  if (flags.tokenFile) {
    try {
      token = readFileSync(flags.tokenFile, 'utf8').trim();
    } catch (error) {
      process.stderr.write(`farmhand serve: cannot read --token-file: ${oneLine(error)}\n`);
      return exitCodes.badInput;
    }
    if (token.length < 16) {
      process.stderr.write(`farmhand serve: the token in ${flags.tokenFile} is shorter than 16 characters\n`);
      return exitCodes.badInput;
    }
  }
  const stateDir = resolveStateDir(flags.stateDir, process.env);
  let host;
  try {
    host = await startHost({ stateDir, host: flags.host, port: flags.port, token, jobs: flags.jobs, agentConfig: flags.agentConfig, kind: 'serve' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    process.stderr.write(`farmhand serve: ${code === 'EADDRINUSE' ? `port ${flags.port} is in use; pass --port 0 for any free port` : oneLine(error)}\n`);
    return code === 'EADDRINUSE' ? exitCodes.unreachable : exitCodes.badInput;
  }
  if (host.joined) {
    process.stderr.write(`farmhand serve: the state dir ${stateDir} already has a coordinator at ${host.url}; use that one\n`);
    return exitCodes.badInput;
  }
  const client = createApiClient({ url: host.url, token: host.token, pid: process.pid, kind: 'serve' });
  for (const dir of dirs) {
    try {
      const opened = await client.post<{ error?: string }>('/api/projects', { dir: resolve(dir) });
      if (opened.error) process.stderr.write(`farmhand serve: ${dir} does not plan yet (the window shows why):\n${opened.error}\n`);
    } catch (error) {
      process.stderr.write(`farmhand serve: ${oneLine(error)}\n`);
    }
  }
  process.stdout.write(`farmhand serving ${host.url}/?token=${host.token}\n`);
  await new Promise<void>((resolveStop) => {
    const stop = () => resolveStop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    process.once('SIGHUP', stop);
  });
  process.stderr.write('farmhand serve: stopping\n');
  await host.close();
  return exitCodes.success;
}
