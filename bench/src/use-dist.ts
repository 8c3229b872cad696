/** `node --import` this file: registers {@link ./dist-hooks.ts} before anything is loaded. */
import { register } from 'node:module';

register('./dist-hooks.js', import.meta.url);
