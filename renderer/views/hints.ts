// What to do next, for the problems users meet most: a job reason or a coordinator error in, a sentence out.

export const starterSpec = `# farmhand.yml — one pipeline with two jobs; see docs/window.md
version: 1
name: hello
jobs:
  build:
    run:
      - echo "building"
  test:
    needs: [build]
    run:
      - echo "testing"
`;

/** A next step for a job's failure reason, or null when the reason says it all. */
export function hintFor(reason: string | undefined): string | null {
  if (!reason) return null;
  const pool = /no agent serves pool (\S+)/.exec(reason);
  if (pool) return `Start an agent for it: \`farmhand agent --pool ${pool[1]}\` on a machine of the LAN, then pair it in the Agents panel.`;
  if (/docker/i.test(reason)) return 'Docker is missing or not running on that agent: start it (`sudo systemctl start docker`), or drop `image:` to run the job with the shell.';
  if (/agent_lost|agent lost/i.test(reason)) return 'The agent stopped answering mid-job; the job was retried elsewhere if it could be. Check the agent machine.';
  if (/timeout/i.test(reason)) return 'The job ran past its `timeout:`; raise it in the spec or make the job faster.';
  return null;
}
