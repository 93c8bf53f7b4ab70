export { BUILTIN_PLUGINS } from './builtins';
export { composeFromFile, composeFromObject } from './experiment';
export { buildProgram, runCli } from './program';
export { renderPlugins } from './commands/plugins-command';
export { renderConfig } from './commands/config-command';
