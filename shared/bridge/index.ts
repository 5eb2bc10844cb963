// The main ↔ renderer bridge: one schema (schema.ts) and the UI-side data types (types.ts).
export * from './schema.js';
export type * from './types.js';
