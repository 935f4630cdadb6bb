// Docker for tests: a real engine, or a loud skip (locally) / a failure (CI) when there is none.
import type Dockerode from 'dockerode';
import { checkDocker, defaultDocker } from '../../agent/executors/docker-engine';

/** The local test image, built from the host's static busybox by scripts/docker-test-setup.sh. */
export const testImage = 'farmhand-test/busybox:1';

/** A client for the engine the tests use: the same one the docker executor finds. */
export const testDocker = defaultDocker;

/**
 * Checks that Docker and the test image are there. Resolves true when they are. When they are not:
 * throws if FARMHAND_REQUIRE_DOCKER or CI is set (the suite must fail, not pass by skipping),
 * else warns loudly and resolves false so the caller can skip.
 */
export async function requireDocker(docker: Dockerode = testDocker()): Promise<boolean> {
  const check = await checkDocker(docker, 3000);
  let problem = check.ok ? undefined : check.message;
  if (!problem) {
    try {
      await docker.getImage(testImage).inspect();
    } catch {
      problem = `test image ${testImage} is missing`;
    }
  }
  if (!problem) return true;
  const remedy = `${problem}. Run scripts/docker-test-setup.sh (as root) to start dockerd and build the test image.`;
  if (process.env.FARMHAND_REQUIRE_DOCKER || process.env.CI) throw new Error(`Docker is required for these tests: ${remedy}`);
  console.warn(`\n!!! SKIPPING Docker tests: ${remedy}\n!!! Set FARMHAND_REQUIRE_DOCKER=1 to make this a failure.\n`);
  return false;
}
