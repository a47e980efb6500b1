// swift-tools-version:6.1
import PackageDescription

let upcomingFeatures: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Evident",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Evident", targets: ["Evident"]),
        .library(name: "EvidentSQLite", targets: ["EvidentSQLite"]),
        .library(name: "EvidentPostgres", targets: ["EvidentPostgres"]),
        .library(name: "EvidentSpec", targets: ["EvidentSpec"]),
        .library(name: "EvidentEngine", targets: ["EvidentEngine"]),
        .library(name: "EvidentServer", targets: ["EvidentServer"]),
        .library(name: "EvidentTesting", targets: ["EvidentTesting"]),
        .library(name: "EvidentServices", targets: ["EvidentServices"]),
        .executable(name: "evident", targets: ["evident"]),
        .executable(name: "bank-account-example", targets: ["bank-account-example"]),
        .executable(name: "shopping-cart-example", targets: ["shopping-cart-example"]),
        .executable(name: "spec-engine-example", targets: ["spec-engine-example"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
    ],
    targets: [
        .target(
            name: "Evident",
            dependencies: [
                .product(name: "Logging", package: "swift-log"), .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: upcomingFeatures
        ),
        .target(
            name: "EvidentSQLite",
            dependencies: [
                "Evident", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: upcomingFeatures
        ),
        .target(
            name: "EvidentPostgres",
            dependencies: [
                "Evident", .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: upcomingFeatures
        ),
        .target(
            name: "EvidentSpec",
            dependencies: ["Evident"],
            swiftSettings: upcomingFeatures
        ),
        .target(
            name: "EvidentEngine",
            dependencies: [
                "Evident", "EvidentSpec", .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: upcomingFeatures
        ),
        .target(
            name: "EvidentServer",
            dependencies: [
                "Evident", "EvidentSpec", "EvidentEngine", .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // The web console (docs/console.md), compiled into the binary: `ConsoleFiles` serves exactly these.
            resources: [
                "index.html", "console.css", "icon.svg", "app.js", "api.js", "dom.js", "overview.js", "log.js",
                "aggregate.js", "spec.js", "consumers.js", "keys.js",
            ].map { .embedInCode("Console/Files/\($0)") },
            swiftSettings: upcomingFeatures
        ),
        .target(
            name: "EvidentServices",
            dependencies: ["Evident", .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
            swiftSettings: upcomingFeatures
        ),
        .target(
            name: "EvidentTesting",
            dependencies: ["Evident"],
            swiftSettings: upcomingFeatures
        ),
        .executableTarget(
            name: "evident",
            dependencies: [
                "Evident", "EvidentSQLite", "EvidentPostgres", "EvidentSpec", "EvidentEngine", "EvidentServer",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: upcomingFeatures
        ),
        // Examples: the domain code is a library (so tests import it), the executable is a small main.
        .target(
            name: "BankAccount", dependencies: ["Evident"], path: "Examples/BankAccount/BankAccount",
            swiftSettings: upcomingFeatures
        ),
        .executableTarget(
            name: "bank-account-example", dependencies: ["BankAccount", "Evident", "EvidentSQLite"],
            path: "Examples/BankAccount/Main", swiftSettings: upcomingFeatures
        ),
        .target(
            name: "ShoppingCart",
            dependencies: ["Evident", "EvidentSQLite", .product(name: "GRDB", package: "GRDB.swift")],
            path: "Examples/ShoppingCart/ShoppingCart", swiftSettings: upcomingFeatures
        ),
        .executableTarget(
            name: "shopping-cart-example",
            dependencies: [
                "ShoppingCart", "Evident", "EvidentSQLite", .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "Examples/ShoppingCart/Main", swiftSettings: upcomingFeatures
        ),
        .target(
            name: "TicketSpec", dependencies: ["Evident", "EvidentEngine", "EvidentSpec"],
            path: "Examples/SpecEngine/TicketSpec",
            swiftSettings: upcomingFeatures
        ),
        .executableTarget(
            name: "spec-engine-example", dependencies: ["TicketSpec", "EvidentSQLite"],
            path: "Examples/SpecEngine/Main", swiftSettings: upcomingFeatures
        ),
        .testTarget(
            name: "ExamplesTests",
            dependencies: [
                "BankAccount", "ShoppingCart", "TicketSpec", "Evident", "EvidentSQLite", "EvidentTesting",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: upcomingFeatures
        ),
        .testTarget(
            name: "EvidentTests",
            dependencies: ["Evident", "EvidentTesting"],
            swiftSettings: upcomingFeatures
        ),
        .testTarget(
            name: "EvidentSQLiteTests",
            dependencies: [
                "Evident", "EvidentSQLite", "EvidentTesting", .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: upcomingFeatures
        ),
        .testTarget(
            name: "EvidentPostgresTests",
            dependencies: [
                "Evident", "EvidentPostgres", "EvidentSQLite", "EvidentTesting",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: upcomingFeatures
        ),
        .testTarget(
            name: "EvidentServicesTests",
            dependencies: [
                "Evident", "EvidentServices", .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: upcomingFeatures
        ),
        .testTarget(
            name: "EvidentSpecTests",
            dependencies: ["Evident", "EvidentSpec"],
            exclude: ["JSONSchemaTestSuite"],
            swiftSettings: upcomingFeatures
        ),
        .testTarget(
            name: "EvidentEngineTests",
            dependencies: ["Evident", "EvidentSpec", "EvidentEngine", "EvidentSQLite", "EvidentTesting"],
            swiftSettings: upcomingFeatures
        ),
        .testTarget(
            name: "EvidentServerTests",
            dependencies: [
                "Evident", "EvidentSpec", "EvidentEngine", "EvidentServer", "EvidentSQLite", "EvidentPostgres",
                "EvidentTesting", .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: upcomingFeatures
        ),
        .testTarget(
            name: "evidentTests",
            dependencies: [
                "evident", "Evident", "EvidentSQLite", "EvidentPostgres", "EvidentEngine", "EvidentServer",
                "EvidentTesting",
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: upcomingFeatures
        ),
    ]
)
