// Checkpoint I/O: a safetensors codec and atomic file/directory writes (pure TypeScript, no tfjs).

export type { CheckpointManifest, ManifestCheck, ManifestEntry } from './checkpoint-manifest';
export { MANIFEST_FILE, verifyCheckpointManifest, writeCheckpointManifest } from './checkpoint-manifest';
export type { SafetensorsData, SafetensorsDtype, SafetensorsFile, SafetensorsTensor } from './safetensors';
export { decodeSafetensors, encodeSafetensors, SafetensorsError } from './safetensors';
export { writeDirAtomic } from './write-dir-atomic';
export { fsyncDir, writeFileAtomic } from './write-file-atomic';
