// EvidentSpecTests
