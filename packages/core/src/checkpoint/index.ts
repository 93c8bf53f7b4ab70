// Checkpoint I/O: a safetensors codec and atomic file/directory writes (pure TypeScript, no tfjs).

export type { SafetensorsData, SafetensorsDtype, SafetensorsFile, SafetensorsTensor } from './safetensors';
export { decodeSafetensors, encodeSafetensors, SafetensorsError } from './safetensors';
export { writeDirAtomic } from './write-dir-atomic';
export { fsyncDir, writeFileAtomic } from './write-file-atomic';
