// The window's entry: the bridge the preload exposed, the app's state, and the one component tree.
import { mount } from 'svelte';
import { warren } from '../../shared/bridge/renderer-client.js';
import App from './App.svelte';
import { createAppModel } from './lib/app-model.svelte.js';
import './styles/app.css';

const model = createAppModel(warren());
model.start();
mount(App, { target: document.getElementById('app')!, props: { model } });
