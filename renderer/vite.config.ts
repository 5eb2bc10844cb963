// Builds the window's page: renderer/ → renderer/dist/, loaded by main from file:// (hence relative paths).
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [svelte()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The polyfill would be an inline script, which the page's CSP refuses; Chromium needs none.
    modulePreload: { polyfill: false },
    // Every asset as a file: a data: URL for fonts or scripts would be refused by the CSP.
    assetsInlineLimit: 0,
  },
});
