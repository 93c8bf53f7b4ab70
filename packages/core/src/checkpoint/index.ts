// Checkpoint I/O (safetensors codec, atomic directory writes): exports are added here as they land.
export {};
