// The window's preload (sandboxed, bundled to CommonJS): exposes the three calls of preload-api.ts
// as `window.farmhand`, and nothing else of Electron or Node.
import { contextBridge, ipcRenderer } from 'electron';
import { createDesktopApi } from './preload-api';

contextBridge.exposeInMainWorld('farmhand', createDesktopApi((channel, ...args) => ipcRenderer.invoke(channel, ...args)));
