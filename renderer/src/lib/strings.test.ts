// The window's catalog is complete (every entry a non-empty text, or a function answering one), and no component
// has words of its own left in its markup: all of them come from the catalog, so a translation touches none.
import { parse } from 'svelte/compiler';
import { describe, expect, it } from 'vitest';
import { en, strings, type RendererStrings } from './strings.js';
import { type CatalogSamples, catalogPaths, emptyCatalogEntries } from '../../../shared/testing/catalog-check.js';

const samples: CatalogSamples<RendererStrings> = {
  preferences: { readFailed: [['EACCES']], saveFailed: [['EACCES']] },
  exportAll: {
    done: [[['home', 'work'], '/home/ann/warren-tunnels.zip']],
    leftOut: [[[{ name: 'team', owner: 'alice' }]], [[{ name: 'a', owner: 'root' }, { name: 'b' }]]],
    failed: [['no space left on device']],
  },
  qr: {
    confirmTitle: [['home']],
    title: [['home']],
    image: [['home']],
    tooLarge: [[3000, 2953]],
    failed: [['refused']],
  },
  connection: { unreachable: [['no bridge']], connected: [['0.1.0']] },
  import: {
    heading: [
      [1, 1],
      [2, 3],
    ],
    line: [[4]],
    archiveTooLarge: [[16]],
    failed: [['no helper']],
  },
  editor: {
    editTitle: [['home']],
    codeLabel: [['home'], [null]],
    openFailed: [['home', 'gone']],
    viewFailed: [['chunk failed']],
    problems: [
      [1, 0],
      [0, 2],
      [3, 1],
    ],
    line: [[7]],
  },
  settings: {
    readFailed: [['gone']],
    saveFailed: [['refused']],
    needsNetworkManager: [['the system bus does not answer'], [undefined]],
    addCurrent: [['Café']],
    removeSsid: [['Café']],
  },
  signIn: {
    left: [[299], [5]],
    openedBy: [['ann']],
    openFailed: [['not-blocking']],
    closeFailed: [['gone']],
  },
  logs: { levelAndAbove: [['warn']], readFailed: [['gone']] },
  tunnels: {
    switchLabel: [['home']],
    toggleFailed: [
      [true, 'refused'],
      [false, 'refused'],
    ],
    ownerNote: [['alice'], ['root'], [undefined]],
    configNote: [['alice'], ['root'], [undefined]],
    settingsNote: [['alice'], ['root'], [undefined]],
    renameLabel: [['home']],
    renamed: [['home', 'office']],
    renameFailed: [['taken']],
    deleted: [['home']],
    deleteFailed: [['refused']],
    exported: [['home', '/home/ann/home.conf']],
    exportFailed: [['refused']],
    deleteTitle: [['home']],
    deleteBody: [[true], [false]],
    detailsFailed: [['gone']],
    onDemandInCharge: [['up: Wi-Fi “Café” is not a trusted network']],
  },
  peer: {
    transferred: [['1.5 KiB', '512 B']],
    keepaliveEvery: [[25]],
    graphLabel: [['1.5 KiB/s', '0 B/s']],
    receiving: [['1.5 KiB/s']],
    sending: [['0 B/s']],
  },
  ago: {
    seconds: [[12]],
    minutes: [[3]],
    hours: [
      [2, 5],
      [2, 0],
    ],
    days: [[1], [3]],
  },
  tunnelName: { invalid: [['1–15 characters']], taken: [['home']] },
};

describe('the window’s catalog', () => {
  it('has a non-empty text for every entry, and every function answers one for its sample arguments', () => {
    expect(emptyCatalogEntries(en, samples)).toEqual([]);
  });

  it('is the catalog in use, entry for entry', () => {
    expect(catalogPaths(strings)).toEqual(catalogPaths(en));
  });
});

/*
 * Words in a component's markup: text between tags, the texts an {expression} shows (its string literals, also
 * in a ?: or ?? or ||, and the fixed parts of a template), and the same in the attributes a person reads (or
 * hears). Svelte's own parser finds them, so `=>` in an attribute or `<` in a script is never mistaken for a tag.
 */
const READ_ATTRIBUTES = new Set([
  'title',
  'placeholder',
  'alt',
  'aria-label',
  'aria-description',
  'aria-roledescription',
  'aria-valuetext',
  // The props of the window's components that end up as the above or as text (ConfirmDialog, SettingSwitch…).
  'label',
  'description',
  'confirmLabel',
  'cancelLabel',
]);

/**
 * Symbols that read the same in every language and so stay in the markup: '…' for a value not read yet, '–' for
 * one there is not (a peer's transfer while the tunnel is off), '✓' and '✕' for an imported and a refused file,
 * '→' before the name of the tunnel an import made.
 */
const SYMBOLS = new Set(['…', '–', '✓', '✕', '→']);

interface Estree {
  type: string;
  [key: string]: unknown;
}

/** The strings an expression can show: literals in its value position, not in a comparison or a call. */
function shown(expression: Estree): string[] {
  switch (expression.type) {
    case 'Literal':
      return typeof expression.value === 'string' ? [expression.value] : [];
    case 'TemplateLiteral':
      return [
        (expression.quasis as { value: { cooked: string } }[]).map((q) => q.value.cooked).join(' '),
        ...(expression.expressions as Estree[]).flatMap(shown),
      ];
    case 'ConditionalExpression':
      return [...shown(expression.consequent as Estree), ...shown(expression.alternate as Estree)];
    case 'LogicalExpression':
      return [...shown(expression.left as Estree), ...shown(expression.right as Estree)];
    default:
      return [];
  }
}

/** What of the markup's text is words: not blank and not one of SYMBOLS. */
function words(text: string): string[] {
  const trimmed = text.replace(/\s+/g, ' ').trim();
  return trimmed === '' || SYMBOLS.has(trimmed) ? [] : [trimmed];
}

/** The words written into a component's markup rather than taken from the catalog. */
function literalsIn(source: string): string[] {
  const found: string[] = [];
  const visit = (node: Estree | null | undefined): void => {
    if (!node || typeof node !== 'object') return;
    switch (node.type) {
      case 'Text':
        found.push(...words(node.data as string));
        return;
      case 'ExpressionTag':
        found.push(...shown(node.expression as Estree).flatMap(words));
        return;
      case 'Comment':
        return;
      case 'Attribute': {
        if (!READ_ATTRIBUTES.has(node.name as string) || node.value === true) return;
        const parts = Array.isArray(node.value) ? (node.value as Estree[]) : [node.value as Estree];
        const text = parts.map((p) => (p.type === 'Text' ? (p.data as string) : ' ')).join('');
        found.push(...words(text));
        for (const p of parts) if (p.type === 'ExpressionTag') visit(p);
        return;
      }
    }
    // Template nodes only: a block's test or an element's directives are code, not text.
    for (const key of ['attributes', 'nodes', 'fragment', 'consequent', 'alternate', 'body', 'fallback', 'pending']) {
      const child = node[key];
      if (Array.isArray(child)) for (const c of child as Estree[]) visit(c);
      else visit(child as Estree | null | undefined);
    }
    for (const key of ['then', 'catch']) visit(node[key] as Estree | null | undefined);
  };
  visit(parse(source, { modern: true }).fragment as unknown as Estree);
  return found;
}

describe('the window’s components', () => {
  it('finds words in markup where they hide, and lets expressions and symbols be', () => {
    const sample = `<script lang="ts">let a = $state(''); const t = { x: 'y' };</script>
      <p title="Hover text">Hello {a}</p>
      <button onclick={() => a = 'clicked'} aria-label={a ? 'Yes' : t.x}>{t.x}</button>
      {#if a === 'x'}<span>{a ?? 'Nothing'}</span>{:else}<em>{\`\${a} items\`}</em>{/if}
      <code>{a || ' '}</code><span>… – ✓</span><span>→ {a}</span><!-- A comment -->
      <style>p { color: red; }</style>`;
    expect(literalsIn(sample)).toEqual(['Hover text', 'Hello', 'Yes', 'Nothing', 'items', '… – ✓']);
  });

  it('take every word they show from the catalog', () => {
    // Every component of the window: the features, the shared ones beside this file, and App.
    const sources = import.meta.glob<string>('../**/*.svelte', { query: '?raw', import: 'default', eager: true });
    expect(Object.keys(sources)).toEqual(
      expect.arrayContaining(['../App.svelte', './CopyButton.svelte', '../features/editor/EditorPane.svelte']),
    );
    const left = Object.entries(sources).flatMap(([file, source]) => literalsIn(source).map((w) => `${file}: ${w}`));
    expect(left).toEqual([]);
  });
});
