export { BUILTIN_PLUGINS } from './builtins';
export { renderConfig } from './commands/config-command';
export { renderPlugins } from './commands/plugins-command';
export { composeFromFile, composeFromObject } from './experiment';
export { buildProgram, runCli } from './program';
