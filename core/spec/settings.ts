// Settings documents (`kind: settings`, or `.farmhand/settings.yml`): resource groups, merged across
// documents, `agent_lost_after` (how long a silent LAN agent keeps its attempts) and `max_running`
// (running jobs of all of the project's builds at once, across the farm); each of those two set once.
import type { DiagnosticSink } from './diagnostics';
import { didYouMean, formatLocation } from './diagnostics';
import { checkKeys, findEntry, readInteger, readMap } from './fields';
import { readDuration } from './values';
import type { OnBusy, ProcessMode, ResourceGroupSettings, SettingsSpec } from './types';
import { checkDocumentVersion } from './version-field';
import type { YMap, YNode } from './yaml-source';

/** Keys of a settings document. */
export const settingsKeys = ['version', 'kind', 'resource_groups', 'agent_lost_after', 'max_running'] as const;
/** Default of `agent_lost_after`. */
export const defaultAgentLostAfterMs = 60_000;
/** Keys of one resource group. */
export const resourceGroupKeys = ['capacity', 'process_mode', 'on_busy'] as const;
/** Every `process_mode`, default first. */
export const processModes: readonly ProcessMode[] = ['unordered', 'oldest_first', 'newest_first', 'newest_ready_first'];
/** Every `on_busy`, default first. */
export const onBusyValues: readonly OnBusy[] = ['wait', 'skip', 'cancel', 'parallel'];

/** A group name (`deploy`) or a glob with `*` (`staging-*`); no spaces, no expressions. */
const groupPatternShape = /^[A-Za-z0-9*][A-Za-z0-9._*-]*$/;

/** Reads every settings document into one SettingsSpec; a group defined twice is an error. */
export function readSettings(sink: DiagnosticSink, documents: readonly YMap[]): SettingsSpec {
  const resourceGroups: ResourceGroupSettings[] = [];
  const byPattern = new Map<string, ResourceGroupSettings>();
  let agentLostAfterMs: number | undefined;
  let lostAfterLoc: ResourceGroupSettings['loc'] | undefined;
  let maxRunning: number | undefined;
  let maxRunningLoc: ResourceGroupSettings['loc'] | undefined;
  for (const map of documents) {
    checkKeys(sink, map, settingsKeys, 'settings');
    checkDocumentVersion(sink, map);
    const lostAfter = findEntry(map, 'agent_lost_after');
    if (lostAfter && lostAfterLoc) sink.error(lostAfter.keyLoc, '`agent_lost_after` is set twice', `first set at ${formatLocation(lostAfterLoc)}`);
    else if (lostAfter) {
      lostAfterLoc = lostAfter.keyLoc;
      agentLostAfterMs = readDuration(sink, lostAfter.value, 'agent_lost_after');
    }
    const cap = findEntry(map, 'max_running');
    if (cap && maxRunningLoc) sink.error(cap.keyLoc, '`max_running` is set twice', `first set at ${formatLocation(maxRunningLoc)}`);
    else if (cap) {
      maxRunningLoc = cap.keyLoc;
      maxRunning = readInteger(sink, cap.value, 'max_running', 1);
    }
    const groupsNode = findEntry(map, 'resource_groups')?.value;
    const groups = groupsNode ? readMap(sink, groupsNode, 'resource_groups', 'a map of group name: { capacity, process_mode, on_busy }') : undefined;
    for (const entry of groups?.entries ?? []) {
      const first = byPattern.get(entry.key);
      if (first !== undefined) {
        sink.error(entry.keyLoc, `resource group \`${entry.key}\` is defined twice`, `first defined at ${formatLocation(first.loc)}`);
        continue;
      }
      if (!groupPatternShape.test(entry.key)) {
        sink.error(entry.keyLoc, `\`${entry.key}\` is not a valid resource group name`, 'use letters, digits, `.`, `_`, `-`, and `*` as a wildcard');
      }
      const group = readGroup(sink, entry.key, entry.value, entry.keyLoc);
      byPattern.set(entry.key, group);
      resourceGroups.push(group);
    }
  }
  return { resourceGroups, ...(agentLostAfterMs === undefined ? {} : { agentLostAfterMs }), ...(maxRunning === undefined ? {} : { maxRunning }) };
}

function readGroup(sink: DiagnosticSink, pattern: string, node: YNode, loc: ResourceGroupSettings['loc']): ResourceGroupSettings {
  const group: ResourceGroupSettings = { pattern, capacity: 1, processMode: 'unordered', onBusy: 'wait', loc };
  // `deploy:` with nothing under it takes every default.
  if (node.kind === 'scalar' && node.value === null) return group;
  const map = readMap(sink, node, `resource_groups.${pattern}`, 'a map { capacity, process_mode, on_busy }');
  if (map === undefined) return group;
  checkKeys(sink, map, resourceGroupKeys, `resource group \`${pattern}\``);
  const capacity = findEntry(map, 'capacity')?.value;
  if (capacity) group.capacity = readInteger(sink, capacity, 'capacity', 1) ?? 1;
  const mode = findEntry(map, 'process_mode')?.value;
  if (mode) group.processMode = readChoice(sink, mode, 'process_mode', processModes) ?? 'unordered';
  const onBusy = findEntry(map, 'on_busy')?.value;
  if (onBusy) group.onBusy = readChoice(sink, onBusy, 'on_busy', onBusyValues) ?? 'wait';
  return group;
}

function readChoice<T extends string>(sink: DiagnosticSink, node: YNode, what: string, choices: readonly T[]): T | undefined {
  const text = node.kind === 'scalar' && typeof node.value === 'string' ? node.text : undefined;
  if (text !== undefined && (choices as readonly string[]).includes(text)) return text as T;
  const written = node.kind === 'scalar' ? `\`${node.text}\`` : 'this value';
  const remedy = (text !== undefined ? didYouMean(text, choices) : undefined) ?? `use one of ${choices.map((c) => `\`${c}\``).join(', ')}`;
  sink.error(node.loc, `${written} is not a valid \`${what}\``, remedy);
  return undefined;
}
