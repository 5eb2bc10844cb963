// The editor for a new tunnel's text, checked as it is typed.
export { default as EditorPane } from './EditorPane.svelte';
export { Editor, TEMPLATE, lineRange } from './editor.svelte.js';
