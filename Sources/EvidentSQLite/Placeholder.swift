// EvidentSQLite
