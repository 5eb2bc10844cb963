// Read by svelte-check and vite-plugin-svelte: TypeScript in components is stripped by Svelte itself.
export default {};
