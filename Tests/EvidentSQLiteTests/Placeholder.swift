// EvidentSQLiteTests
