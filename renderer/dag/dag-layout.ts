// Where every job box and pipeline group goes: plain data in, plain data out, so it runs in the layout
// thread and in unit tests alike. Two levels: each pipeline's jobs are laid out on their own, then the
// pipelines (as boxes of that size) are laid out by their cross-pipeline edges. Dagre does both levels
// for DAGs of up to `dagreLimit` jobs; larger ones get a linear-time layered layout instead, because
// dagre took 10 s for 2,000 jobs in 20 pipelines here, and the window must draw in under one.
import dagre from '@dagrejs/dagre';

export interface LayoutInput {
  jobs: { id: string; pipeline: string; needs: string[] }[];
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface DagLayout {
  boxes: Record<string, Box>;
  groups: (Box & { pipeline: string })[];
  edges: { from: string; to: string }[];
  width: number;
  height: number;
  /** Which layout placed the jobs: `dagre`, or `layered` past dagreLimit jobs. */
  engine: 'dagre' | 'layered';
}

export const jobWidth = 176;
export const jobHeight = 40;
const groupPadding = 16;
const groupHeader = 24;
const rankGap = 48;
const rowGap = 14;
export const dagreLimit = 150;

interface Section {
  ids: string[];
  edges: [string, string][];
  size: (id: string) => { width: number; height: number };
}

/** Positions (top-left corners) for a DAG section, by dagre or, when large, by layered ranks. */
function placeSection(section: Section, engine: DagLayout['engine']): { at: Record<string, { x: number; y: number }>; width: number; height: number; engine: DagLayout['engine'] } {
  return engine === 'dagre' ? placeWithDagre(section) : placeInLayers(section);
}

function placeWithDagre({ ids, edges, size }: Section) {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: 'LR', nodesep: rowGap, ranksep: rankGap, marginx: 0, marginy: 0 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const id of ids) graph.setNode(id, { ...size(id) });
  for (const [from, to] of edges) graph.setEdge(from, to);
  dagre.layout(graph);
  const at: Record<string, { x: number; y: number }> = {};
  let width = 0;
  let height = 0;
  for (const id of ids) {
    const placed = graph.node(id) as { x: number; y: number; width: number; height: number };
    at[id] = { x: placed.x - placed.width / 2, y: placed.y - placed.height / 2 };
    width = Math.max(width, placed.x + placed.width / 2);
    height = Math.max(height, placed.y + placed.height / 2);
  }
  return { at, width, height, engine: 'dagre' as const };
}

/** Longest-path ranks left to right, rows ordered by the mean row of each box's predecessors. */
export function placeInLayers({ ids, edges, size }: Section) {
  const predecessors = new Map<string, string[]>(ids.map((id) => [id, []]));
  const successors = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const [from, to] of edges) {
    predecessors.get(to)?.push(from);
    successors.get(from)?.push(to);
  }
  const rank = new Map<string, number>();
  const remaining = new Map(ids.map((id) => [id, predecessors.get(id)!.length]));
  const ready = ids.filter((id) => remaining.get(id) === 0);
  for (let index = 0; index < ready.length; index++) {
    const id = ready[index]!;
    const own = rank.get(id) ?? 0;
    for (const next of successors.get(id)!) {
      rank.set(next, Math.max(rank.get(next) ?? 0, own + 1));
      const left = remaining.get(next)! - 1;
      remaining.set(next, left);
      if (left === 0) ready.push(next);
    }
  }
  const layers: string[][] = [];
  for (const id of ids) (layers[rank.get(id) ?? 0] ??= []).push(id);
  const row = new Map<string, number>();
  const at: Record<string, { x: number; y: number }> = {};
  let x = 0;
  let height = 0;
  for (const layer of layers) {
    if (!layer) continue;
    const mean = (id: string) => {
      const rows = predecessors.get(id)!.map((from) => row.get(from)).filter((value): value is number => value !== undefined);
      return rows.length ? rows.reduce((a, b) => a + b, 0) / rows.length : Number.MAX_SAFE_INTEGER;
    };
    const ordered = layer.map((id, index) => ({ id, key: mean(id), index })).sort((a, b) => a.key - b.key || a.index - b.index);
    let y = 0;
    let layerWidth = 0;
    ordered.forEach(({ id }, index) => {
      row.set(id, index);
      const box = size(id);
      at[id] = { x, y };
      y += box.height + rowGap;
      layerWidth = Math.max(layerWidth, box.width);
    });
    height = Math.max(height, y - rowGap);
    x += layerWidth + rankGap;
  }
  return { at, width: Math.max(0, x - rankGap), height, engine: 'layered' as const };
}

/** The whole layout: job boxes inside pipeline groups, and every needs/depends_on edge between known jobs. */
export function layoutDag(input: LayoutInput): DagLayout {
  const known = new Set(input.jobs.map((job) => job.id));
  const pipelineOf = new Map(input.jobs.map((job) => [job.id, job.pipeline]));
  const byPipeline = new Map<string, string[]>();
  for (const job of input.jobs) {
    if (!byPipeline.has(job.pipeline)) byPipeline.set(job.pipeline, []);
    byPipeline.get(job.pipeline)!.push(job.id);
  }
  const edges: { from: string; to: string }[] = [];
  const inner = new Map<string, [string, string][]>();
  const outer = new Set<string>();
  for (const job of input.jobs) {
    for (const need of job.needs) {
      if (!known.has(need) || need === job.id) continue;
      edges.push({ from: need, to: job.id });
      const from = pipelineOf.get(need)!;
      if (from === job.pipeline) {
        if (!inner.has(from)) inner.set(from, []);
        inner.get(from)!.push([need, job.id]);
      } else outer.add(`${from}\u0000${job.pipeline}`);
    }
  }
  const jobSize = () => ({ width: jobWidth, height: jobHeight });
  const sections = new Map<string, ReturnType<typeof placeSection>>();
  const engine: DagLayout['engine'] = input.jobs.length <= dagreLimit ? 'dagre' : 'layered';
  for (const [pipeline, ids] of byPipeline) sections.set(pipeline, placeSection({ ids, edges: inner.get(pipeline) ?? [], size: jobSize }, engine));
  const groupSize = (pipeline: string) => {
    const section = sections.get(pipeline)!;
    return { width: section.width + 2 * groupPadding, height: section.height + groupHeader + 2 * groupPadding };
  };
  const pipelines = [...byPipeline.keys()];
  const pipelineEdges = [...outer].map((pair) => pair.split('\u0000') as [string, string]);
  const top = placeSection({ ids: pipelines, edges: pipelineEdges, size: groupSize }, pipelines.length <= dagreLimit ? 'dagre' : 'layered');
  const boxes: Record<string, Box> = {};
  const groups: DagLayout['groups'] = [];
  for (const pipeline of pipelines) {
    const origin = top.at[pipeline]!;
    groups.push({ pipeline, x: origin.x, y: origin.y, ...groupSize(pipeline) });
    const section = sections.get(pipeline)!;
    for (const id of byPipeline.get(pipeline)!) {
      const at = section.at[id]!;
      boxes[id] = { x: origin.x + groupPadding + at.x, y: origin.y + groupHeader + groupPadding + at.y, width: jobWidth, height: jobHeight };
    }
  }
  return { boxes, groups, edges, width: top.width, height: top.height, engine };
}
