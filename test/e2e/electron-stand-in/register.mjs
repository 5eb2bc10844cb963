// `node --import ./register.mjs build/main/index.js`: `electron` resolves to the stand-in beside this file.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
