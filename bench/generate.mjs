// Generates a synthetic monorepo: N jobs in layers, each needing 1-3 random jobs of earlier
// layers (seeded, so every run gets the same DAG), as a farmhand.yml and an equivalent Makefile.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A small seeded PRNG (mulberry32). */
export function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Writes the project to dir; returns the DAG as { id, needs }[]. */
export function generate(dir, { jobs = 200, layers = 10, seed = 1 } = {}) {
  const next = random(seed);
  const name = (i) => `j${String(i).padStart(4, '0')}`;
  const perLayer = Math.ceil(jobs / layers);
  const dag = [];
  for (let i = 0; i < jobs; i++) {
    const layer = Math.floor(i / perLayer);
    const needs = new Set();
    if (layer > 0) {
      const count = 1 + Math.floor(next() * 3);
      for (let k = 0; k < count; k++) needs.add(name(Math.floor(next() * layer * perLayer)));
    }
    dag.push({ id: name(i), needs: [...needs].sort() });
  }
  mkdirSync(join(dir, 'src'), { recursive: true });
  mkdirSync(join(dir, 'out'), { recursive: true });
  const yaml = ['name: bench', 'jobs:'];
  const make = ['all: ' + dag.map((j) => `out/${j.id}.txt`).join(' '), ''];
  for (const job of dag) {
    writeFileSync(join(dir, 'src', `${job.id}.txt`), `source of ${job.id}\n`);
    yaml.push(`  ${job.id}:`);
    yaml.push(`    run: cat src/${job.id}.txt > out/${job.id}.txt`);
    if (job.needs.length) yaml.push(`    needs: [${job.needs.join(', ')}]`);
    yaml.push(`    inputs: [src/${job.id}.txt]`);
    yaml.push(`    outputs: [out/${job.id}.txt]`);
    make.push(`out/${job.id}.txt: src/${job.id}.txt ${job.needs.map((n) => `out/${n}.txt`).join(' ')}`);
    make.push(`\tcat src/${job.id}.txt > out/${job.id}.txt`);
  }
  writeFileSync(join(dir, 'farmhand.yml'), yaml.join('\n') + '\n');
  writeFileSync(join(dir, 'Makefile'), make.join('\n') + '\n');
  return dag;
}

/** Writes a flat fan-out: `jobs` independent jobs that run `true` (the scheduler's cost per job, nothing else). */
export function generateFanOut(dir, jobs) {
  const yaml = ['name: fan-out', 'jobs:'];
  for (let i = 0; i < jobs; i++) yaml.push(`  j${String(i).padStart(5, '0')}: { run: "true" }`);
  writeFileSync(join(dir, 'farmhand.yml'), yaml.join('\n') + '\n');
}

/**
 * Writes a DAG with skewed durations, where unit weights choose badly: `long` independent jobs of
 * `longSeconds` (critical path 1 job each) beside chains of short jobs (`layers` deep, `width` wide,
 * each needing its chain's job and one random job of the layer before). Returns the DAG as { id, needs, seconds }[].
 */
export function generateSkewed(dir, { long = 3, longSeconds = 2, layers = 5, width = 8, shortSeconds = 0.1, seed = 3 } = {}) {
  const next = random(seed);
  const dag = [];
  // Named to sort last, so that ties do not favour them either.
  for (let i = 0; i < long; i++) dag.push({ id: `zlong${i}`, needs: [], seconds: longSeconds });
  for (let layer = 0; layer < layers; layer++) {
    for (let i = 0; i < width; i++) {
      // Its own chain, plus one random job of the layer before.
      const needs = layer === 0 ? [] : [...new Set([`s${layer - 1}x${i}`, `s${layer - 1}x${Math.floor(next() * width)}`])].sort();
      dag.push({ id: `s${layer}x${i}`, needs, seconds: shortSeconds });
    }
  }
  const yaml = ['name: skewed', 'jobs:'];
  for (const job of dag) {
    yaml.push(`  ${job.id}:`, `    run: sleep ${job.seconds}`);
    if (job.needs.length) yaml.push(`    needs: [${job.needs.join(', ')}]`);
  }
  writeFileSync(join(dir, 'farmhand.yml'), yaml.join('\n') + '\n');
  return dag;
}
