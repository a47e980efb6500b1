// EvidentTesting
