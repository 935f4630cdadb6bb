// A fast reader for the plain YAML that pipeline files are made of: block maps and lists, one-line
// scalars (plain, or quoted without escapes), one-line flow lists and maps of scalars, comments and
// `---` between documents. It builds the same tree as yaml-source.ts (values, texts, locations), and
// gives up (undefined) on anything else: anchors, aliases, tags, block or multi-line scalars, escapes,
// duplicate keys, tabs, nesting. The full parser then reads the file, with its diagnostics. The `yaml`
// package takes about 0.25 ms a job for a generated spec of 2,000 jobs; this, a tenth of that.
import { parse } from 'yaml';
import type { SourceLocation } from './types';
import { maxDepth, type YDocument, type YEntry, type YNode, type YScalar } from './yaml-source';

/** Given up on: the caller reads the file with the full parser. */
class Decline extends Error {}

const decline = (): never => {
  throw new Decline();
};

/** A plain scalar that YAML's core schema may read as something other than a string: resolved by `yaml`. */
const maybeNotString = /^(?:[-+.0-9~]|(?:null|Null|NULL|true|True|TRUE|false|False|FALSE)$)/;
/** Characters a plain scalar may not start with (block context); `-` only when followed by a space. */
const badFirst = new Set([...'?:,[]{}#&*!|>\'"%@`', '\t']);
/** A key as pipeline files write them: a name, without quotes or YAML indicators. */
const plainKey = /^[A-Za-z0-9_$][A-Za-z0-9_.$/()=+@-]*$/;

interface Line {
  /** Offset of the line's first character in the source. */
  start: number;
  indent: number;
  /** The line's content after its indentation, comments not yet removed. */
  text: string;
  number: number;
}

/** Reads `source` if it is all plain YAML of the kind above; undefined otherwise. */
export function fastYamlDocuments(file: string, source: string): YDocument[] | undefined {
  if (source.includes('\r') || source.includes('\t') || source.charCodeAt(0) === 0xfeff) return undefined;
  try {
    return new Reader(file, source).documents();
  } catch (error) {
    if (error instanceof Decline) return undefined;
    throw error;
  }
}

class Reader {
  private readonly lines: Line[] = [];
  private at = 0;

  constructor(
    private readonly file: string,
    source: string,
  ) {
    let start = 0;
    let number = 1;
    for (;;) {
      const end = source.indexOf('\n', start);
      const raw = end < 0 ? source.slice(start) : source.slice(start, end);
      const body = raw.trimStart();
      // Blank and comment-only lines carry nothing.
      if (body !== '' && !body.startsWith('#')) this.lines.push({ start, indent: raw.length - body.length, text: body.trimEnd(), number });
      if (end < 0) break;
      start = end + 1;
      number++;
    }
  }

  documents(): YDocument[] {
    const documents: YDocument[] = [];
    const separator = (line: Line | undefined) => line !== undefined && line.indent === 0 && (line.text === '---' || line.text.startsWith('--- #'));
    if (separator(this.lines[0])) this.at++;
    for (;;) {
      const head = this.lines[this.at];
      // Empty documents, `...`, directives, content after `---`: the full parser's business.
      if (!head || head.indent !== 0 || head.text.startsWith('---') || head.text.startsWith('...') || head.text.startsWith('%')) return decline();
      const node = this.block(0, 0);
      documents.push({ node, valid: true, loc: node.loc });
      const next = this.lines[this.at];
      if (!next) return documents;
      if (!separator(next)) return decline();
      this.at++;
    }
  }

  private loc(line: Line, column: number): SourceLocation {
    return { file: this.file, line: line.number, col: line.indent + column + 1 };
  }

  /** A block map or list whose lines start at `indent`. */
  private block(indent: number, depth: number): YNode {
    if (depth > maxDepth) return decline();
    const head = this.lines[this.at];
    if (!head || head.indent !== indent) return decline();
    return head.text === '-' || head.text.startsWith('- ') ? this.list(indent, depth) : this.map(indent, depth, 0);
  }

  /** A block map; `column` is where its keys start on the first line (past a list's `- `). */
  private map(indent: number, depth: number, column: number): YNode {
    const first = this.lines[this.at]!;
    const entries: YEntry[] = [];
    const keys = new Set<string>();
    let line: Line | undefined = first;
    let offset = column;
    while (line && line.indent + offset === indent + column && !(line.indent === 0 && (line.text.startsWith('---') || line.text.startsWith('...')))) {
      const text = line.text.slice(offset);
      const colon = text.indexOf(':');
      if (colon <= 0 || (colon + 1 < text.length && text[colon + 1] !== ' ')) return decline();
      const key = text.slice(0, colon);
      if (!plainKey.test(key) || maybeNotString.test(key) || key === '<<' || keys.has(key)) return decline();
      keys.add(key);
      const keyLoc = this.loc(line, offset);
      const rest = stripComment(text, colon + 1);
      this.at++;
      let value: YNode;
      if (rest.value === '') {
        const next = this.lines[this.at];
        if (next && next.indent > line.indent + offset) value = this.block(next.indent, depth + 1);
        else if (next && next.indent === line.indent + offset && (next.text === '-' || next.text.startsWith('- '))) value = this.list(next.indent, depth + 1);
        else return decline(); // an empty value
      } else {
        value = this.inline(line, offset + rest.start, rest.value, depth + 1);
      }
      entries.push({ key, keyLoc, value });
      line = this.lines[this.at];
      offset = 0;
      if (line && line.indent > indent + column) return decline(); // a scalar going on over lines
    }
    return { kind: 'map', entries, loc: this.loc(first, column) };
  }

  private list(indent: number, depth: number): YNode {
    const first = this.lines[this.at]!;
    const items: YNode[] = [];
    let line: Line | undefined = first;
    while (line && line.indent === indent && (line.text === '-' || line.text.startsWith('- '))) {
      let column = 2;
      while (line.text[column] === ' ') column++;
      const rest = stripComment(line.text, column);
      if (rest.value === '') return decline(); // `-` alone, with its item on the lines below
      const colon = rest.value.indexOf(': ');
      if (rest.value.endsWith(':') || (colon > 0 && plainKey.test(rest.value.slice(0, colon)))) {
        // `- key: value`: a map whose keys line up at this column.
        items.push(this.map(indent, depth + 1, column));
      } else {
        this.at++;
        items.push(this.inline(line, column, rest.value, depth + 1));
      }
      line = this.lines[this.at];
      if (line && line.indent > indent) return decline();
    }
    return { kind: 'seq', items, loc: this.loc(first, 0) };
  }

  /** A value on the rest of a line: a flow list or map, or a scalar. `column` is where it starts. */
  private inline(line: Line, column: number, text: string, depth: number): YNode {
    if (text.startsWith('[') || text.startsWith('{')) {
      const flow = new Flow(text, (at) => this.loc(line, column + at));
      const node = flow.collection(depth);
      if (flow.at !== text.length) return decline();
      return node;
    }
    return blockScalar(text, (at) => this.loc(line, column + at));
  }
}

/** The value after `from` up to a comment, trimmed, and where it starts. */
function stripComment(text: string, from: number): { value: string; start: number } {
  let start = from;
  while (text[start] === ' ') start++;
  const quote = text[start];
  if (quote === '"' || quote === "'") return { value: text.slice(start), start }; // the scalar reader finds its end
  const hash = text.indexOf(' #', start - 1);
  return { value: (hash < 0 ? text.slice(start) : text.slice(start, hash)).trimEnd(), start };
}

/** A scalar filling the rest of a block line (a quoted one may be followed by a comment). */
function blockScalar(text: string, locAt: (at: number) => SourceLocation): YScalar {
  if (text[0] === '"' || text[0] === "'") {
    const { scalar, end } = quoted(text, 0, locAt);
    const after = text.slice(end).trimStart();
    if (after !== '' && !(text[end] === ' ' && after.startsWith('#'))) return decline();
    return scalar;
  }
  if (badFirst.has(text[0]!) || (text[0] === '-' && (text.length === 1 || text[1] === ' ')) || text.includes(': ') || text.endsWith(':')) return decline();
  return plainScalar(text, locAt);
}

function plainScalar(text: string, locAt: (at: number) => SourceLocation): YScalar {
  const loc = locAt(0);
  let value: unknown = text;
  if (maybeNotString.test(text)) {
    try {
      value = parse(text, { logLevel: 'silent' }) as unknown;
    } catch {
      return decline();
    }
    if (value !== null && typeof value !== 'number' && typeof value !== 'boolean' && typeof value !== 'string') return decline();
  }
  return { kind: 'scalar', value, text, plain: true, loc, locAt };
}

/** A one-line quoted scalar starting at `from`, without escapes (`''` in single quotes is one quote). */
function quoted(text: string, from: number, locAt: (at: number) => SourceLocation): { scalar: YScalar; end: number } {
  const quote = text[from]!;
  let value = '';
  let at = from + 1;
  for (;;) {
    const close = text.indexOf(quote, at);
    if (close < 0) return decline();
    value += text.slice(at, close);
    if (quote === "'" && text[close + 1] === "'") {
      value += "'";
      at = close + 2;
      continue;
    }
    at = close + 1;
    break;
  }
  if (quote === '"' && value.includes('\\')) return decline();
  const loc = locAt(from);
  // Offsets map to columns only when the text appears verbatim (no doubled quote).
  const verbatim = text.startsWith(value, from + 1);
  return { scalar: { kind: 'scalar', value, text: value, plain: false, loc, locAt: (offset) => (verbatim ? locAt(from + 1 + offset) : loc) }, end: at };
}

/** A one-line flow list or map of scalars (no nesting), followed by nothing or a comment. */
class Flow {
  at = 0;

  constructor(
    private readonly text: string,
    private readonly locAt: (at: number) => SourceLocation,
  ) {}

  collection(depth: number): YNode {
    if (depth > maxDepth) return decline();
    const open = this.text[this.at]!;
    const close = open === '[' ? ']' : '}';
    const loc = this.locAt(this.at);
    this.at++;
    const items: YNode[] = [];
    const entries: YEntry[] = [];
    const keys = new Set<string>();
    this.spaces();
    if (this.text[this.at] === close) {
      this.at++;
    } else {
      for (;;) {
        this.spaces();
        if (open === '[') {
          items.push(this.scalar(true));
        } else {
          const keyAt = this.at;
          const key = this.scalar(false);
          if (!key.plain || typeof key.value !== 'string' || !plainKey.test(key.text) || keys.has(key.text)) return decline();
          keys.add(key.text);
          if (this.text[this.at] !== ':' || this.text[this.at + 1] !== ' ') return decline();
          this.at += 2;
          this.spaces();
          entries.push({ key: key.text, keyLoc: this.locAt(keyAt), value: this.scalar(true) });
        }
        this.spaces();
        const next = this.text[this.at];
        this.at++;
        if (next === close) break;
        if (next !== ',') return decline();
        this.spaces();
        if (this.text[this.at] === close) return decline(); // a trailing comma
      }
    }
    // What follows may only be a comment.
    const rest = this.text.slice(this.at);
    if (rest.trim() !== '' && !/^ +#/.test(rest)) return decline();
    this.at = this.text.length;
    return open === '[' ? { kind: 'seq', items, loc } : { kind: 'map', entries, loc };
  }

  private spaces(): void {
    while (this.text[this.at] === ' ') this.at++;
  }

  /** A scalar inside the collection; `value` allows a colon-free plain scalar only (keys stop at ':'). */
  private scalar(value: boolean): YScalar {
    const start = this.at;
    const first = this.text[start];
    if (first === '"' || first === "'") {
      const { scalar, end } = quoted(this.text, start, this.locAt);
      this.at = end;
      return scalar;
    }
    let end = start;
    while (end < this.text.length && !',[]{}#:'.includes(this.text[end]!)) end++;
    const text = this.text.slice(start, end).trimEnd();
    if (text === '' || badFirst.has(text[0]!) || (text[0] === '-' && text[1] === ' ')) return decline();
    if (value && this.text[end] === ':') return decline();
    this.at = start + text.length;
    return plainScalar(text, (offset) => this.locAt(start + offset));
  }
}
