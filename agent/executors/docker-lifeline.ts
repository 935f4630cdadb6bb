// A container's lifeline: a small Node process, outside the job, that force-removes the container when
// the pipe from this process closes without a word, i.e. when this process dies (kill -9 included).
// An orderly end disarms it first, so it never touches a container the executor already cleaned up.
import { spawn } from 'node:child_process';

/** Disarms the lifeline: the job ended in order and its container is the executor's to remove. */
export interface ContainerLifeline {
  disarm(): void;
}

const script = `
const http = require('node:http');
const [socketPath, id] = process.argv.slice(1);
process.stdin.on('data', () => {});
process.stdin.on('end', () => {
  const request = http.request({ socketPath, method: 'DELETE', path: '/containers/' + encodeURIComponent(id) + '?force=true' }, (response) => {
    response.resume();
    response.on('end', () => process.exit(0));
  });
  request.on('error', () => process.exit(1));
  request.end();
});
process.stdin.resume();
`;

/** Starts the lifeline of container `id` on the engine at the unix socket `socketPath`. */
export function startContainerLifeline(socketPath: string, id: string): ContainerLifeline {
  const guard = spawn(process.execPath, ['-e', script, socketPath, id], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
  });
  guard.on('error', () => {});
  guard.stdin!.on('error', () => {});
  guard.unref();
  (guard.stdin as unknown as { unref?: () => void }).unref?.();
  return {
    disarm() {
      guard.kill('SIGKILL');
      guard.stdin!.destroy();
    },
  };
}
