import EvidentSQLite
import Foundation
import TicketSpec

// A spec run from Swift on an SQLite file, without a server.
//
//     swift run spec-engine-example [path/to/tickets.sqlite]

let path = CommandLine.arguments.dropFirst().first ?? NSTemporaryDirectory() + "tickets-\(UUID().uuidString).sqlite"
for line in try await TicketDesk.run(on: try SQLiteEventStore(path: path)) { print(line) }
