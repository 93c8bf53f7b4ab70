// LoRA: config, adapters over a WeightMap, PEFT adapter files.
export type { LoraPair } from './lora-adapters';
export { LoraAdapters, loraKeyA, loraKeyB } from './lora-adapters';
export type { LoraConfigInput, LoraTargetModule } from './lora-config';
export { LORA_TARGET_MODULES, LoraConfig, loraScale } from './lora-config';
export type { PeftFileOptions } from './peft-files';
export { decodePeftFiles, encodePeftFiles, PEFT_CONFIG_FILE, PEFT_WEIGHTS_FILE } from './peft-files';
