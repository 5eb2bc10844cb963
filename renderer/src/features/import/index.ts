// Import: the dialog, dropped files, and each file's result.
export { default as DropTarget } from './DropTarget.svelte';
export { default as ImportResults } from './ImportResults.svelte';
export { Importer, type DroppedFile } from './importer.svelte.js';
export { outcomeView, type OutcomeView, type Problem } from './outcome-view.js';
