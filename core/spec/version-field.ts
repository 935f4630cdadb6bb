// `version: 1` of a document: the format's version, optional, and 1 is the only one.
import type { DiagnosticSink } from './diagnostics';
import { findEntry } from './fields';
import type { YMap } from './yaml-source';

/** Reports a `version` other than 1. */
export function checkDocumentVersion(sink: DiagnosticSink, map: YMap): void {
  const node = findEntry(map, 'version')?.value;
  if (node === undefined) return;
  if (node.kind === 'scalar' && node.plain && node.value === 1) return;
  const written = node.kind === 'scalar' ? `\`${node.text}\`` : 'this';
  sink.error(node.loc, `format version ${written} is not supported`, 'write `version: 1` or leave it out');
}
