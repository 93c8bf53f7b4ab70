// Checkpoint I/O: a safetensors codec and atomic file/directory writes (pure TypeScript, no tfjs).
export { encodeSafetensors, decodeSafetensors, SafetensorsError } from './safetensors';
export type { SafetensorsDtype, SafetensorsData, SafetensorsTensor, SafetensorsFile } from './safetensors';
export { writeFileAtomic, fsyncDir } from './write-file-atomic';
export { writeDirAtomic } from './write-dir-atomic';
