// evidentTests
