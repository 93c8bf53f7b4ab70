import { CORE_API_VERSION, ContainerModule, definePlugin } from '@trellis/core';
import pkg from '../package.json' with { type: 'json' };

/** Plugin manifest. This package provides nothing yet (see README). */
export default definePlugin({
  id: 'algo-multiturn',
  packageName: pkg.name,
  version: pkg.version,
  description: pkg.description,
  coreApi: CORE_API_VERSION,
  provides: {},
  createModule: () => new ContainerModule(() => {}),
});
