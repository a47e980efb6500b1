import Evident
import EvidentTesting
import Foundation
import Testing

/// The commands that run the database's spec through the engine, with no server: `spec put`, `spec get`,
/// `append` (through the spec, or `--raw`), `state`, and `spec fold`.
@Suite("evident commands that run the spec", .onBlockingThreads)
struct EngineCommandTests {
    static let cart = "7c0e5b9a-3f1d-4e2a-9b8c-5d6e7f801234"
    static let order = "3b9f6c1e-8a2d-4f5b-a7c9-0e1d2c3b4a59"
    static let user = "user:0ab5c3d2-7e41-4f6a-9b8c-1d2e3f4a5b6c"

    /// A directory with the starter spec (`my.json`) stored in `evident.sqlite`.
    static func database() throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory()
        let initialized = try EvidentBinary.run(["spec", "init", "my.json"], in: directory.path)
        #expect(initialized.status == 0, "\(initialized.error)")
        let put = try EvidentBinary.run(["spec", "put", "my.json", "--db", "evident.sqlite"], in: directory.path)
        #expect(put.status == 0, "\(put.error)")
        #expect(put.output.hasPrefix("stored spec version 1 (hash sha256:"), "\(put.output)")
        return directory
    }

    static func json(_ text: String) throws -> JSON {
        try JSON(parsing: text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test(
        "a refused event exits 64 with the schema path and writes nothing; a valid one shows in state, implied events included"
    )
    func acceptance() throws {
        let directory = try Self.database()
        let cart = "cart:\(Self.cart)"

        let refused = try EvidentBinary.run(
            [
                "append", cart, "item_was_added", "--data", #"{"product_id": "tea", "quantity": 0, "unit_price": 4.5}"#,
                "--actor", Self.user,
            ], in: directory.path)
        #expect(refused.status == 64)
        #expect(
            refused.error.hasPrefix("error: invalidData: ") && refused.error.contains("data.quantity"),
            "\(refused.error)")
        #expect(refused.output.isEmpty)
        let read = try EvidentBinary.run(["read", cart], in: directory.path)
        #expect(read.status == 0 && read.output.isEmpty)
        let missing = try EvidentBinary.run(["state", cart], in: directory.path)
        #expect(missing.status == 1)
        #expect(missing.error == "error: \(cart) has no events.\n")

        let added = try EvidentBinary.run(
            [
                "append", cart, "item_was_added", "--data", #"{"product_id": "tea", "quantity": 2, "unit_price": 4.5}"#,
                "--actor", Self.user,
            ], in: directory.path)
        #expect(added.status == 0, "\(added.error)")
        #expect(added.output.hasPrefix("\(cart) v1 at position "), "\(added.output)")

        let checkedOut = try EvidentBinary.run(
            ["append", cart, "was_checked_out", "--data", #"{"order_id": "\#(Self.order)"}"#, "--actor", Self.user],
            in: directory.path)
        #expect(checkedOut.status == 0, "\(checkedOut.error)")
        let lines = checkedOut.output.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.first?.hasPrefix("\(cart) v2 at position ") == true)
        #expect(
            lines.last?.hasPrefix("  implied: order:\(Self.order) v1 at position ") == true
                && lines.last?.hasSuffix(" (was_placed)") == true, "\(checkedOut.output)")

        let state = try EvidentBinary.run(["state", cart], in: directory.path)
        #expect(state.status == 0, "\(state.error)")
        let stateLines = state.output.split(separator: "\n")
        #expect(stateLines.first?.hasPrefix("\(cart) length 2, created ") == true, "\(state.output)")
        #expect(try Self.json(String(stateLines.last ?? ""))["status"] == "checked_out")

        let placed = try EvidentBinary.run(["state", "order:\(Self.order)", "--json"], in: directory.path)
        #expect(placed.status == 0, "\(placed.error)")
        let order = try Self.json(placed.output)
        #expect(order["data"]?["status"] == "placed")
        #expect(order["data"]?["cart_id"] == .string(Self.cart))
        #expect(order["data"]?["total"]?.number == 9)
        #expect(order["metadata"]?["length"] == 1)
        #expect(order["metadata"]?["created_at"]?.number != nil)

        let first = try EvidentBinary.run(["state", cart, "--version", "1", "--json"], in: directory.path)
        #expect(try Self.json(first.output)["data"]?["status"] == "open")
        let before = try EvidentBinary.run(["state", cart, "--at", "0"], in: directory.path)
        #expect(before.status == 1 && before.error.contains("has no events"))
        let both = try EvidentBinary.run(["state", cart, "--at", "0", "--version", "1"], in: directory.path)
        #expect(both.status == 64)
    }

    @Test("append through the spec: --actor required, --json lists implied events, retries replay, --raw bypasses")
    func appendThroughTheSpec() throws {
        let directory = try Self.database()
        let cart = "cart:\(Self.cart)"
        let item = #"{"product_id": "tea", "quantity": 1, "unit_price": 3}"#

        let anonymous = try EvidentBinary.run(["append", cart, "item_was_added", "--data", item], in: directory.path)
        #expect(anonymous.status == 64)
        #expect(anonymous.error.contains("--actor") && anonymous.error.contains("--raw"), "\(anonymous.error)")
        let exists = try EvidentBinary.run(
            ["append", cart, "item_was_added", "--data", item, "--actor", Self.user, "--expected-version", "exists"],
            in: directory.path)
        #expect(exists.status == 64)

        let arguments = [
            "append", cart, "item_was_added", "--data", item, "--actor", Self.user, "--idempotency-key", "k",
        ]
        let first = try EvidentBinary.run(arguments, in: directory.path)
        let retry = try EvidentBinary.run(arguments, in: directory.path)
        #expect(first.status == 0 && retry.status == 0, "\(first.error)\(retry.error)")
        #expect(!first.output.contains("replayed") && retry.output.contains("replayed"))
        let conflict = try EvidentBinary.run(
            ["append", cart, "item_was_added", "--data", item, "--actor", Self.user, "--expected-version", "0"],
            in: directory.path)
        #expect(conflict.status == 3)

        let checkout = try EvidentBinary.run(
            [
                "append", cart, "was_checked_out", "--data", #"{"order_id": "\#(Self.order)"}"#, "--actor", Self.user,
                "--expected-version", "1", "--json",
            ], in: directory.path)
        #expect(checkout.status == 0, "\(checkout.error)")
        let answer = try Self.json(checkout.output)
        #expect(answer["stream"] == .string(cart) && answer["version"] == 2 && answer["replayed"] == false)
        let implied = try #require(answer["implied"]?.array)
        #expect(implied.count == 1)
        #expect(implied.first?["stream"] == .string("order:\(Self.order)") && implied.first?["version"] == 1)
        #expect(implied.first?["types"] == ["was_placed"])

        let refused = try EvidentBinary.run(
            ["append", cart, "item_was_added", "--data", item, "--actor", Self.user], in: directory.path)
        #expect(refused.status == 64 && refused.error.contains("requirementFailed"), "\(refused.error)")

        let raw = try EvidentBinary.run(
            ["append", cart, "was_painted", "--data", #"{"colour": "red"}"#, "--raw"], in: directory.path)
        #expect(raw.status == 0, "\(raw.error)")
        #expect(raw.output.hasPrefix("\(cart) v3 at position "))
        let read = try EvidentBinary.run(["read", cart], in: directory.path)
        #expect(read.output.split(separator: "\n").count == 3 && read.output.contains("was_painted"))
        let help = try EvidentBinary.run(["append", "--help"], in: directory.path)
        #expect(help.output.contains("--raw"))
    }

    @Test("spec put --dry-run reports without storing, spec get prints the spec in force, state needs a spec")
    func putAndGet() throws {
        let directory = try Self.database()
        _ = try EvidentBinary.run(
            [
                "append", "order:\(Self.order)", "was_placed", "--data", #"{"cart_id": "c", "lines": [], "total": 0}"#,
                "--actor", Self.user,
            ], in: directory.path)
        let text = try String(contentsOfFile: directory.file("my.json"), encoding: .utf8)
        var spec = try Self.json(text)
        guard case .object(var document) = spec, case .object(var types)? = document["aggregate_types"] else {
            Issue.record("the starter spec has no aggregate types")
            return
        }
        types["order"] = nil
        types["cart"] = [
            "events": ["was_opened": ["schema": [:], "handler": ["set": ["target": "status", "value": "open"]]]]
        ]
        document["aggregate_types"] = .object(types)
        document["target_types"] = nil
        spec = .object(document)
        try Data(spec.serialized()).write(to: URL(fileURLWithPath: directory.file("carts.json")))

        let dryRun = try EvidentBinary.run(["spec", "put", "carts.json", "--dry-run", "--json"], in: directory.path)
        #expect(dryRun.status == 0, "\(dryRun.error)")
        let report = try Self.json(dryRun.output)
        #expect(report["dry_run"] == true && report["version"] == nil && report["events_checked"] == 0)
        #expect(report["failures"]?.array?.first?["key"] == .string("order:\(Self.order)"), "\(dryRun.output)")
        let dryText = try EvidentBinary.run(["spec", "put", "carts.json", "--dry-run"], in: directory.path)
        #expect(dryText.output.hasPrefix("dry run of sha256:") && dryText.output.contains("nothing stored"))
        #expect(dryText.output.contains("  order:\(Self.order) v1: the new spec has no aggregate type 'order'"))

        let starter = try Self.json(text)
        let get = try EvidentBinary.run(["spec", "get", "--json"], in: directory.path)
        let current = try Self.json(get.output)
        #expect(current["version"] == 1 && current["spec"] == starter)
        let plain = try EvidentBinary.run(["spec", "get"], in: directory.path)
        #expect(try Self.json(plain.output) == starter)

        let again = try EvidentBinary.run(["spec", "put", "my.json"], in: directory.path)
        #expect(again.output.hasPrefix("spec version 1 is already in force"), "\(again.output)")
        // carts.json drops the aggregate type order, which has a stored event: refused unless forced.
        let refused = try EvidentBinary.run(["spec", "put", "carts.json"], in: directory.path)
        #expect(refused.status == 1 && refused.output.isEmpty, "\(refused.output)")
        #expect(refused.error.contains("removed_event_type: order.was_placed, 1 stored event"), "\(refused.error)")
        #expect(refused.error.contains("--force"), "\(refused.error)")
        let stored = try EvidentBinary.run(["spec", "put", "carts.json", "--force", "--json"], in: directory.path)
        #expect(try Self.json(stored.output)["version"] == 2, "\(stored.error)")
        let versions = try EvidentBinary.run(["spec", "versions"], in: directory.path)
        #expect(
            versions.output.hasPrefix("v2  sha256:") && versions.output.contains("(in force)"), "\(versions.output)")
        #expect(versions.output.split(separator: "\n").count == 2)
        let rollback = try EvidentBinary.run(["spec", "rollback", "1"], in: directory.path)
        #expect(
            rollback.status == 0 && rollback.output.hasPrefix("stored spec version 3, equal to version 1"),
            "\(rollback.error)")
        let first = try EvidentBinary.run(["spec", "get", "--version", "1"], in: directory.path)
        #expect(try Self.json(first.output) == Self.json(text))
        let back = try EvidentBinary.run(["spec", "rollback", "2"], in: directory.path)
        #expect(back.status == 1 && back.error.contains("removed_event_type"), "\(back.error)")
        #expect(try EvidentBinary.run(["spec", "rollback", "2", "--force"], in: directory.path).status == 0)
        #expect(try EvidentBinary.run(["spec", "rollback", "9"], in: directory.path).status == 1)

        let broken = try EvidentBinary.run(["spec", "put", "-"], input: #"{"aggregate_types": 1}"#, in: directory.path)
        #expect(broken.status == 1 && broken.error.contains("aggregate_types"), "\(broken.error)")
        #expect(
            try Self.json(try EvidentBinary.run(["spec", "get", "--json"], in: directory.path).output)["version"] == 4)

        let empty = try TemporaryDirectory()
        _ = try EvidentBinary.run(["append", "order:1", "was_placed"], in: empty.path)
        let noSpec = try EvidentBinary.run(["state", "order:1"], in: empty.path)
        #expect(noSpec.status == 1 && noSpec.error.contains("evident spec put FILE"), "\(noSpec.error)")
        let raw = try EvidentBinary.run(["append", "order:1", "was_paid"], in: empty.path)
        #expect(raw.status == 0 && raw.output.hasPrefix("order:1 v2 at position 2"), "\(raw.error)")
    }

    @Test("spec fold writes each line through the engine: the getting-started example, and a line without actor")
    func fold() throws {
        let directory = try TemporaryDirectory()
        _ = try EvidentBinary.run(["spec", "init", "my-spec.json"], in: directory.path)
        let actor = #""metadata": {"actor": {"type": "user", "id": "0ab5c3d2-7e41-4f6a-9b8c-1d2e3f4a5b6c"}}"#
        let events = [
            #"{"type": "item_was_added", "data": {"product_id": "tea", "quantity": 2, "unit_price": 4.5}, \#(actor), "timestamp": 1767225420}"#,
            #"{"type": "item_was_added", "data": {"product_id": "mug", "quantity": 1, "unit_price": 12}, \#(actor), "timestamp": 1767225480}"#,
            #"{"type": "item_was_added", "data": {"product_id": "tea", "quantity": 1, "unit_price": 4.5}, \#(actor), "timestamp": 1767225540}"#,
            #"{"type": "was_checked_out", "data": {"order_id": "\#(Self.order)"}, \#(actor), "timestamp": 1767225600}"#,
        ]
        let folded = try EvidentBinary.run(
            ["spec", "fold", "my-spec.json", "--aggregate", "cart", "--events", "-"],
            input: events.joined(separator: "\n") + "\n", in: directory.path)
        #expect(folded.status == 0, "\(folded.error)")
        #expect(
            folded.output
                == #"{"checked_out_at":1767225600,"lines":[{"product_id":"tea","quantity":3,"unit_price":4.5},{"product_id":"mug","quantity":1,"unit_price":12}],"order_id":"3b9f6c1e-8a2d-4f5b-a7c9-0e1d2c3b4a59","product_ids":["tea","mug"],"status":"checked_out","total":25.5}"#
                + "\n")

        let withoutActor = try EvidentBinary.run(
            ["spec", "fold", "my-spec.json", "--aggregate", "cart", "--id", Self.cart, "--events", "-"],
            input: events[0] + "\n"
                + #"{"type": "item_was_added", "data": {"product_id": "mug", "quantity": 1, "unit_price": 12}}"#,
            in: directory.path)
        #expect(withoutActor.status == 1)
        #expect(withoutActor.error.hasPrefix("line 2: metadata.actor is required"), "\(withoutActor.error)")
        #expect(withoutActor.output.isEmpty)

        let backwards = try EvidentBinary.run(
            ["spec", "fold", "my-spec.json", "--aggregate", "cart", "--events", "-"],
            input: events[1] + "\n" + events[0], in: directory.path)
        #expect(backwards.status == 1)
        #expect(backwards.error.hasPrefix("line 2: malformedEvent: \"timestamp\" "), "\(backwards.error)")
    }
}
