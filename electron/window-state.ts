// What the app remembers between starts: window size, position, maximized, and the project folders
// opened. Kept in a small JSON file next to Electron's user data; a file that is broken or from
// another version is reported in one line and replaced by defaults, never a crash.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';

export interface WindowBounds {
  x?: number;
  y?: number;
  width: number;
  height: number;
}

export interface WindowState {
  bounds: WindowBounds;
  maximized: boolean;
  /** Project folders opened, most recent first. */
  projects: string[];
}

export interface Rectangle {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const minimumSize = { width: 640, height: 420 };
const maximumSide = 20_000;
const maximumProjects = 20;

export const defaultWindowState: WindowState = { bounds: { width: 1280, height: 820 }, maximized: false, projects: [] };

export type WindowStateResult = { state: WindowState; warning?: string };

/** Parses and checks the file's text; on any problem, defaults plus a one-line warning naming `file`. */
export function parseWindowState(text: string, file: string): WindowStateResult {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return fallback(file, `not JSON (${(error as Error).message})`);
  }
  if (!isRecord(data)) return fallback(file, 'expected an object');
  const bounds = data.bounds;
  if (!isRecord(bounds)) return fallback(file, '`bounds` must be an object');
  for (const side of ['width', 'height'] as const) {
    const value = bounds[side];
    if (!Number.isInteger(value) || (value as number) < minimumSize[side] || (value as number) > maximumSide) {
      return fallback(file, `bounds.${side} must be a whole number from ${minimumSize[side]} to ${maximumSide}`);
    }
  }
  for (const axis of ['x', 'y'] as const) {
    const value = bounds[axis];
    if (value !== undefined && (!Number.isInteger(value) || Math.abs(value as number) > maximumSide)) {
      return fallback(file, `bounds.${axis} must be a whole number`);
    }
  }
  if (data.maximized !== undefined && typeof data.maximized !== 'boolean') return fallback(file, '`maximized` must be true or false');
  const projects = data.projects ?? [];
  if (!Array.isArray(projects)) return fallback(file, '`projects` must be a list of folders');
  const badProject = projects.findIndex((project) => typeof project !== 'string' || !isAbsolute(project));
  if (badProject >= 0) return fallback(file, `projects[${badProject}] must be an absolute folder path`);
  const { x, y, width, height } = bounds as unknown as WindowBounds;
  return {
    state: {
      bounds: x === undefined || y === undefined ? { width, height } : { x, y, width, height },
      maximized: data.maximized === true,
      projects: [...new Set(projects as string[])].slice(0, maximumProjects),
    },
  };
}

/** Reads the state file; a missing file is the defaults without a warning. */
export function loadWindowState(file: string): WindowStateResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: structuredClone(defaultWindowState) };
    return fallback(file, `cannot be read (${(error as Error).message})`);
  }
  return parseWindowState(text, file);
}

/** Writes the state file atomically (a temporary file renamed over it), so a crash leaves the old one. */
export function saveWindowState(file: string, state: WindowState): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(temporary, file);
}

/** Moves `folder` to the front of the projects list (no duplicates, at most 20 kept). */
export function rememberProject(state: WindowState, folder: string): WindowState {
  const projects = [folder, ...state.projects.filter((project) => project !== folder)].slice(0, maximumProjects);
  return { ...state, projects };
}

/**
 * Keeps saved bounds only if enough of the window shows on a current display (a monitor may have
 * been unplugged); otherwise drops the position so the window opens centred. Size is shrunk to fit
 * the largest display.
 */
export function fitToDisplays(bounds: WindowBounds, displays: readonly Rectangle[]): WindowBounds {
  if (displays.length === 0) return bounds;
  const largest = displays.reduce((best, display) => (display.width * display.height > best.width * best.height ? display : best));
  const width = Math.min(bounds.width, largest.width);
  const height = Math.min(bounds.height, largest.height);
  if (bounds.x === undefined || bounds.y === undefined) return { width, height };
  const window = { x: bounds.x, y: bounds.y, width, height };
  // The title bar (top 40 px, at least 100 px wide) must be reachable to move the window back.
  const visible = displays.some((display) => overlap(display, { ...window, height: Math.min(40, height) }) >= 100 * Math.min(40, height));
  return visible ? window : { width, height };
}

function overlap(a: Rectangle, b: Rectangle): number {
  const width = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const height = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return width > 0 && height > 0 ? width * height : 0;
}

function fallback(file: string, problem: string): WindowStateResult {
  return { state: structuredClone(defaultWindowState), warning: `${file}: ${problem}; using the default window size` };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
