#!/usr/bin/env node
// The `warren` command. The CLI is TypeScript compiled to build/ by `npm install` (the `prepare` script).
import '../build/native-helper/cli/main.js';
