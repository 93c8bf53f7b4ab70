// Trainer skeleton: exports are added here as the pieces land.
export {};
