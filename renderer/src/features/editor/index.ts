// The tunnel editor: a new or stored tunnel's text in CodeMirror, checked as it is typed.
export { default as EditorPane } from './EditorPane.svelte';
export { Editor, TEMPLATE, type EditorApi, type KeyState } from './editor.svelte.js';
