import Evident

/// The OpenAPI 3.1 document of the HTTP API, served at `GET /_openapi.json`. A test checks that it names
/// exactly the router's routes.
enum OpenAPIDocument {
    static let json: JSON = [
        "openapi": "3.1.0",
        "info": [
            "title": "Evident",
            "version": "1",
            "description":
                "An event store that runs a JSON spec of aggregates, events and handlers. Every answer is an envelope: {\"ok\": true, …} or {\"ok\": false, \"error\": \"…\"}.",
        ],
        "components": [
            "securitySchemes": ["apiKey": ["type": "http", "scheme": "bearer"]],
            "schemas": [
                "Error": [
                    "type": "object", "required": ["ok", "error"],
                    "properties": ["ok": ["const": false], "error": ["type": "string"]],
                ],
                "Metadata": [
                    "type": "object", "required": ["actor"],
                    "properties": [
                        "actor": ["$ref": "#/components/schemas/Reference"],
                        "target": ["$ref": "#/components/schemas/Reference"],
                        "previous_length": ["type": "integer", "minimum": 0],
                        "skip_occ": ["type": "boolean"],
                    ],
                ],
                "Reference": [
                    "type": "object", "required": ["type", "id"],
                    "properties": ["type": ["type": "string"], "id": ["type": "string"]],
                ],
                "Event": [
                    "type": "object",
                    "properties": [
                        "id": ["type": "string"], "key": ["type": "string"], "type": ["type": "string"],
                        "data": ["type": "object"], "metadata": ["type": "object"], "version": ["type": "integer"],
                        "position": ["type": "integer"],
                    ],
                ],
            ],
        ],
        "security": [["apiKey": []]],
        "paths": [
            "/{type}/{id}/{event}": [
                "post": operation(
                    "Append one event to an aggregate", scope: "write", parameters: ["type", "id", "event"],
                    query: [], headers: ["Idempotency-Key"],
                    body: [
                        "type": "object",
                        "properties": [
                            "data": ["type": "object"], "metadata": ["$ref": "#/components/schemas/Metadata"],
                        ],
                    ],
                    success: "201", errors: ["400", "401", "403", "404", "409", "413", "422", "503"], writes: true)
            ],
            "/{type}": [
                "get": operation(
                    "A type's aggregates in id order, in pages (?after= the next page's cursor, an id); with "
                        + "?target=TYPE:ID only those with an event whose metadata.target is that reference",
                    scope: "read", parameters: ["type"], query: ["after", "limit", "target"], token: .header,
                    success: "200", errors: ["400", "401", "403", "404", "422", "503"])
            ],
            "/{type}/{id}": [
                "post": operation(
                    "Append a batch of events to an aggregate, atomically", scope: "write", parameters: ["type", "id"],
                    query: [], headers: ["Idempotency-Key"],
                    body: [
                        "type": "object", "required": ["events"],
                        "properties": [
                            "events": [
                                "type": "array",
                                "items": [
                                    "type": "object", "required": ["type"],
                                    "properties": ["type": ["type": "string"], "data": ["type": "object"]],
                                ],
                            ],
                            "metadata": ["$ref": "#/components/schemas/Metadata"],
                        ],
                    ],
                    success: "201", errors: ["400", "401", "403", "404", "409", "413", "422", "503"], writes: true),
                "get": operation(
                    "An aggregate's state, now or in the past", scope: "read", parameters: ["type", "id"],
                    query: ["at", "version", "synchronous"], token: .queryAndHeader, success: "200",
                    errors: ["400", "401", "403", "404", "422", "503"]),
            ],
            "/{type}/{id}/length": [
                "get": operation(
                    "An aggregate's number of events", scope: "read", parameters: ["type", "id"],
                    token: .queryAndHeader, success: "200", errors: ["400", "401", "403", "404", "422", "503"])
            ],
            "/{type}/{id}/events": [
                "get": operation(
                    "An aggregate's events, in pages", scope: "read", parameters: ["type", "id"],
                    query: ["from", "limit"], token: .queryAndHeader, success: "200",
                    errors: ["400", "401", "403", "404", "422", "503"])
            ],
            "/_log": [
                "get": operation(
                    "The global log, in position order", scope: "read",
                    query: ["after", "limit", "types", "aggregate_type", "target"], token: .header,
                    success: "200", errors: ["400", "401", "403", "422", "503"])
            ],
            "/_log/stream": [
                "get": operation(
                    "The global log as Server-Sent Events: stored events, then live ones", scope: "read",
                    query: ["after", "until", "types", "aggregate_type"], headers: ["Last-Event-ID"], token: .header,
                    success: "200", errors: ["400", "401", "403", "503"], contentType: "text/event-stream")
            ],
            "/_spec": [
                "get": operation(
                    "The spec in force and its version", scope: "read", token: .queryAndHeader, success: "200",
                    errors: ["400", "401", "403", "503"]),
                "put": operation(
                    "Store a new spec version, or check one with ?dry_run=true; 409 when it would break stored "
                        + "events, unless forced", scope: "admin", query: ["dry_run", "force"],
                    body: ["type": "object"], success: "200", errors: ["400", "401", "403", "409", "413", "422"],
                    writes: true),
            ],
            "/_spec/versions": [
                "get": operation(
                    "Every stored spec version, newest first, in pages (?before= the next page's cursor)",
                    scope: "read", query: ["before", "limit"], success: "200", errors: ["400", "401", "403"])
            ],
            "/_spec/versions/{version}": [
                "get": operation(
                    "The document of one stored spec version (404 when there is none)", scope: "read",
                    parameters: ["version"], success: "200", errors: ["400", "401", "403", "404"])
            ],
            "/_spec/rollback": [
                "post": operation(
                    "Store an earlier spec version's document again, as a new version (409 when it would break "
                        + "stored events, unless forced)", scope: "admin", query: ["dry_run", "force"],
                    body: [
                        "type": "object", "required": ["version"],
                        "properties": ["version": ["type": "integer", "minimum": 1], "force": ["type": "boolean"]],
                    ],
                    success: "200", errors: ["400", "401", "403", "404", "409", "413", "422"], writes: true)
            ],
            "/_keys": [
                "get": operation(
                    "The API keys, without secrets", scope: "admin", success: "200", errors: ["401", "403"]),
                "post": operation(
                    "Create an API key (shown once)", scope: "admin",
                    body: [
                        "type": "object", "required": ["scope"],
                        "properties": [
                            "scope": ["enum": ["read", "write", "admin"]],
                            "name": ["type": "string", "minLength": 1, "maxLength": 100],
                        ],
                    ],
                    success: "201", errors: ["400", "401", "403", "422"], writes: true),
            ],
            "/_keys/{id}": [
                "delete": operation(
                    "Revoke an API key (not the last admin key: 409)", scope: "admin", parameters: ["id"],
                    success: "200", errors: ["401", "403", "404", "409"], writes: true)
            ],
            "/_keys/{id}/rotate": [
                "post": operation(
                    "Replace an API key by a new one with the same name and scope (shown once); the old one is revoked",
                    scope: "admin", parameters: ["id"], success: "201", errors: ["401", "403", "404"], writes: true)
            ],
            "/_keys/{id}/schedule_revocation": [
                "post": operation(
                    "Make an API key stop working at revoke_at (ISO 8601); 409 when no admin key would work then",
                    scope: "admin", parameters: ["id"],
                    body: [
                        "type": "object", "required": ["revoke_at"],
                        "properties": ["revoke_at": ["type": "string", "format": "date-time"]],
                    ],
                    success: "200", errors: ["400", "401", "403", "404", "409", "413", "422"], writes: true)
            ],
            "/_audit/head": [
                "get": operation(
                    "The latest signed head of the log's hash chain (404 until the server signs one)", scope: "read",
                    success: "200", errors: ["401", "403", "404"])
            ],
            "/_verify": [
                "get": operation(
                    "Check the log's hash chain from a position on: the events verified, or the first tampered one",
                    scope: "admin", query: ["from"], success: "200", errors: ["400", "401", "403"])
            ],
            "/_audit/verifications": [
                "get": operation(
                    "The latest runs of /_verify, newest first: from, through, hash, events, ok (and tampered_at and "
                        + "reason when not), the key that ran it, verified_at", scope: "read", query: ["limit"],
                    success: "200", errors: ["400", "401", "403"])
            ],
            "/_nodes": [
                "get": operation(
                    "The server processes serving this store (on SQLite, this one): id, address, version, started_at, "
                        + "last_seen_at, self and alive (seen within 30 s)", scope: "read", success: "200",
                    errors: ["401", "403"])
            ],
            "/_subjects/{id}": [
                "get": operation(
                    "Whether a data subject has personal data stored, how much and where, or the receipt of their "
                        + "forgetting", scope: "admin", parameters: ["id"], success: "200", errors: ["401", "403"]),
                "delete": operation(
                    "Forget a data subject: destroy their key and answer the receipt (404 when unknown or forgotten)",
                    scope: "admin", parameters: ["id"], query: ["reason"], success: "200",
                    errors: ["400", "401", "403", "404"], writes: true),
            ],
            "/_health": ["get": operation("200 when the store answers", scope: nil, success: "200", errors: ["503"])],
            "/_metrics": [
                "get": operation(
                    "Prometheus metrics", scope: "read", success: "200", errors: ["401", "403"],
                    contentType: "text/plain")
            ],
            "/_openapi.json": ["get": operation("This document", scope: nil, success: "200", errors: [])],
            "/_streams": [
                "get": operation(
                    "How many streams and events each aggregate type has; with ?type= (and ?search=), the ids of its "
                        + "streams created last", scope: "read", query: ["type", "search", "limit"],
                    token: .queryAndHeader, success: "200", errors: ["400", "401", "403", "503"])
            ],
            "/_consumers": [
                "get": operation(
                    "Every consumer with a checkpoint in the store: its checkpoint, the log head, its lag and how many "
                        + "events it parked", scope: "read", success: "200", errors: ["401", "403", "501"])
            ],
            "/_consumers/{name}": [
                "get": operation(
                    "Where a catch-up consumer stands: its checkpoint, the log head, its lag and its parked events",
                    scope: "read", parameters: ["name"], success: "200", errors: ["400", "401", "403", "501"])
            ],
            "/_consumers/{name}/replay": [
                "post": operation(
                    "Ask the consumer's runner to replay its parked events: all, or those of an optional body "
                        + "{\"positions\": [POSITION, ...]}; records a replay_requested event in $replay:NAME and "
                        + "answers 202 pending (GET /_consumers/{name} shows when it completes); 409 when nothing is "
                        + "parked, 422 when a position is not parked", scope: "admin", parameters: ["name"],
                    success: "202", errors: ["400", "401", "403", "409", "413", "422", "501"], writes: true)
            ],
            "/_whoami": [
                "get": operation(
                    "The scope (and id) of the key the request carries", scope: "read", success: "200",
                    errors: ["401"])
            ],
            "/_schedules": [
                "get": operation(
                    "The pending scheduled implications whose event goes to ?aggregate=TYPE:ID: id, due_at, target, "
                        + "event_type, data, scheduled_by; paged by schedule id (?after=, ?limit=)", scope: "read",
                    query: ["aggregate", "after", "limit"], success: "200", errors: ["400", "401", "403", "404", "422"])
            ],
            "/_projections": [
                "get": operation(
                    "Every projection: those the spec declares and those deployed, with their definitions",
                    scope: "read", success: "200", errors: ["401", "403", "503"])
            ],
            "/_projections/{name}": [
                "get": operation(
                    "A projection's rows in id order, in pages (?after= the next page's cursor, an id); filters "
                        + "where.FIELD=VALUE and where.FIELD.OP=VALUE (OP: eq, ne, gt, gte, lt, lte) on the rows' data",
                    scope: "read", parameters: ["name"], query: ["after", "limit"], token: .header, success: "200",
                    errors: ["400", "401", "403", "404", "422", "503"]),
                "put": operation(
                    "Deploy a projection (the body is its definition) for every node; 409 when the spec declares one "
                        + "of that name", scope: "admin", parameters: ["name"],
                    body: [
                        "type": "object", "required": ["for_each", "select"],
                        "properties": [
                            "name": ["type": "string"], "for_each": ["type": "string"],
                            "include_substreams": ["type": "boolean"], "sources": ["type": "object"],
                            "include": ["type": "array", "items": ["type": "string"]], "select": [:],
                        ],
                    ],
                    success: "200", errors: ["400", "401", "403", "409", "413", "422", "503"], writes: true),
                "delete": operation(
                    "Delete a deployed projection (404 when none is deployed; 409 for one the spec declares)",
                    scope: "admin", parameters: ["name"], success: "200",
                    errors: ["401", "403", "404", "409", "503"], writes: true),
            ],
            "/_projections/{name}/{id}": [
                "get": operation(
                    "One row of a projection: its id and data (404 when there is no such projection or row)",
                    scope: "read", parameters: ["name", "id"], token: .queryAndHeader, success: "200",
                    errors: ["400", "401", "403", "404", "422", "503"])
            ],
        ],
    ]

    /// Where a read takes its consistency token.
    private enum Token {
        /// `?after=` or the header `Evident-After`.
        case queryAndHeader
        /// The header only: the route's `?after=` is its page cursor.
        case header
    }

    /// The parameters of a read that takes a consistency token.
    private static func tokenParameters(_ token: Token) -> [JSON] {
        var meaning = "A consistency token: the position a write answered. The read answers once it is visible."
        if token == .header { meaning += " (This route's ?after= is its page cursor.)" }
        var parameters: [JSON] = [
            [
                "name": "Evident-After", "in": "header", "required": false, "description": .string(meaning),
                "schema": ["type": "integer", "minimum": 0],
            ],
            [
                "name": "wait", "in": "query", "required": false,
                "description":
                    "Seconds to wait for the consistency token to be visible before answering 503; 5 by default.",
                "schema": ["type": "number", "minimum": 0, "maximum": 30],
            ],
        ]
        if token == .queryAndHeader {
            parameters.append(
                [
                    "name": "after", "in": "query", "required": false, "description": .string(meaning),
                    "schema": ["type": "integer", "minimum": 0],
                ])
        }
        return parameters
    }

    /// `writes`: the success answer carries the `Evident-Position` header. Every 503 carries `Retry-After`.
    private static func operation(
        _ summary: String, scope: String?, parameters: [String] = [], query: [String] = [], headers: [String] = [],
        token: Token? = nil, body: JSON? = nil, success: String, errors: [String], writes: Bool = false,
        contentType: String = "application/json"
    ) -> JSON {
        var operation: [String: JSON] = ["summary": .string(summary)]
        operation["description"] = .string(
            scope.map { "Needs an API key with the '\($0)' scope (or higher)." } ?? "Open.")
        if scope == nil { operation["security"] = [] }
        let all =
            parameters.map {
                ["name": .string($0), "in": "path", "required": true, "schema": ["type": "string"]] as JSON
            }
            + query.map {
                ["name": .string($0), "in": "query", "required": false, "schema": ["type": "string"]] as JSON
            }
            + headers.map {
                ["name": .string($0), "in": "header", "required": false, "schema": ["type": "string"]] as JSON
            }
            + (token.map(tokenParameters) ?? [])
        if !all.isEmpty { operation["parameters"] = .array(all) }
        if let body {
            operation["requestBody"] = ["required": true, "content": ["application/json": ["schema": body]]]
        }
        var successResponse: [String: JSON] = [
            "description": "Success",
            "content": [
                .init(stringLiteral: contentType): [
                    "schema": ["type": contentType == "application/json" ? "object" : "string"]
                ]
            ],
        ]
        if writes {
            successResponse["headers"] = [
                "Evident-Position": [
                    "description": .string(
                        "The log position of the write's last event (also `position` in the body): the consistency "
                            + "token of a later read."),
                    "schema": ["type": "integer"],
                ]
            ]
        }
        var responses: [String: JSON] = [success: .object(successResponse)]
        for code in errors {
            var response: [String: JSON] = [
                "description": "Error",
                "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Error"]]],
            ]
            if code == "503" {
                response["headers"] = [
                    "Retry-After": [
                        "description": "Seconds after which the same request may succeed.",
                        "schema": ["type": "integer"],
                    ]
                ]
            }
            responses[code] = .object(response)
        }
        operation["responses"] = .object(responses)
        return .object(operation)
    }
}
