// EvidentTests
