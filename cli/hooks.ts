// Runs a pipeline's on_start / on_success / on_failure commands on this machine.
import { spawn } from 'node:child_process';
import type { HookRequest } from '../core/coordinator/coordinator';

/** Runs hook commands in one `sh -e`; resolves when done, rejects with a one-line reason on failure. */
export function runHook(hook: HookRequest): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-e', '-c', hook.commands.join('\n')], { cwd: hook.cwd, env: { ...process.env, ...hook.env }, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', (error) => reject(error));
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(new Error(`hook exited with ${signal ?? `code ${code}`}`))));
  });
}
