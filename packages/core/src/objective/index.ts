// Shared policy-gradient objective: exports are added here as the pieces land.
export {};
