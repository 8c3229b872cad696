import { defineConfig } from 'tsup';
import { serverPackage } from '../../tsup.config.base';

export default defineConfig(serverPackage);
