// Finds the ```yaml examples of the user docs and groups them into the projects they describe.
//
// Conventions, on an example's first comment lines:
//   # file: PATH            this block is the file PATH of a project; consecutive `# file:` blocks make
//                           one project, until a PATH repeats (that starts the next project)
//   # invalid: TEXT         the project must fail to parse or plan, with TEXT in a message or remedy
//   # file: agent.yml       a machine's agent settings (not a project file), read by agent/config
// A block without `# file:` is a whole farmhand.yml of its own.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** One ```yaml block as written. */
export interface YamlBlock {
  /** `docs/pipeline-format.md:120`: where the block's text starts. */
  where: string;
  text: string;
  file?: string;
  invalid?: string;
}

/** One project made of one or more blocks. */
export interface DocExample {
  where: string;
  files: Record<string, string>;
  invalid?: string;
}

/** The markdown files whose examples are checked: the README and every docs/*.md. */
export function documentationFiles(repoRoot: string): string[] {
  const docs = readdirSync(join(repoRoot, 'docs')).filter((name) => name.endsWith('.md')).sort();
  return ['README.md', ...docs.map((name) => `docs/${name}`)];
}

/** Every ```yaml block of a markdown text, with its markers read. */
export function yamlBlocks(markdown: string, path: string): YamlBlock[] {
  const blocks: YamlBlock[] = [];
  const lines = markdown.split('\n');
  for (let index = 0; index < lines.length; index++) {
    if (lines[index]?.trim() !== '```yaml') continue;
    const start = index + 1;
    let end = start;
    while (end < lines.length && lines[end]?.trim() !== '```') end++;
    if (end >= lines.length) throw new Error(`${path}:${index + 1}: a \`\`\`yaml block is never closed`);
    const body = lines.slice(start, end);
    const block: YamlBlock = { where: `${path}:${start + 1}`, text: `${body.join('\n')}\n` };
    for (const line of body) {
      const marker = /^#\s*(file|invalid):\s*(.+?)\s*$/.exec(line);
      if (!line.startsWith('#')) break;
      if (marker?.[1] === 'file') block.file = marker[2];
      if (marker?.[1] === 'invalid') block.invalid = marker[2];
    }
    blocks.push(block);
    index = end;
  }
  return blocks;
}

/** Groups blocks into projects (see the conventions above); agent.yml blocks are returned apart. */
export function groupExamples(blocks: readonly YamlBlock[]): { projects: DocExample[]; agentConfigs: YamlBlock[] } {
  const projects: DocExample[] = [];
  const agentConfigs: YamlBlock[] = [];
  let current: DocExample | undefined;
  for (const block of blocks) {
    if (block.file === 'agent.yml') {
      agentConfigs.push(block);
      current = undefined;
      continue;
    }
    if (block.file === undefined) {
      projects.push(withInvalid({ where: block.where, files: { 'farmhand.yml': block.text } }, block));
      current = undefined;
      continue;
    }
    if (current === undefined || block.file in current.files) {
      current = { where: block.where, files: {} };
      projects.push(current);
    }
    current.files[block.file] = block.text;
    withInvalid(current, block);
  }
  return { projects, agentConfigs };
}

function withInvalid(example: DocExample, block: YamlBlock): DocExample {
  if (block.invalid !== undefined) example.invalid = block.invalid;
  return example;
}
