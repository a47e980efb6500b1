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
        .library(name: "EvidentSpec", targets: ["EvidentSpec"]),
        .library(name: "EvidentTesting", targets: ["EvidentTesting"]),
        .library(name: "EvidentServices", targets: ["EvidentServices"]),
        .executable(name: "evident", targets: ["evident"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        .target(
            name: "Evident",
            dependencies: [.product(name: "Logging", package: "swift-log")],
            swiftSettings: upcomingFeatures
        ),
        .target(
            name: "EvidentSQLite",
            dependencies: ["Evident", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: upcomingFeatures
        ),
        .target(
            name: "EvidentSpec",
            dependencies: ["Evident"],
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
                "Evident", "EvidentSQLite", "EvidentSpec",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
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
            name: "evidentTests",
            dependencies: ["evident", "Evident", "EvidentSQLite"],
            swiftSettings: upcomingFeatures
        ),
    ]
)
