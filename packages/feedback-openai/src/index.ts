import { CORE_API_VERSION, ContainerModule, definePlugin } from '@trellis/core';
import pkg from '../package.json' with { type: 'json' };

export default definePlugin({
  id: 'feedback-openai',
  packageName: pkg.name,
  version: pkg.version,
  description: pkg.description,
  coreApi: CORE_API_VERSION,
  provides: {},
  createModule: () => new ContainerModule(() => {}),
});
