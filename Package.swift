// swift-tools-version:6.1
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Ordinal",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ordinal", targets: ["ordinal"]),
        .library(name: "ClusterModel", targets: ["ClusterModel"]),
        .library(name: "KubeAPI", targets: ["KubeAPI"]),
        .library(name: "PostgresHealth", targets: ["PostgresHealth"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.0"),
    ],
    targets: [
        // System libraries from Debian's -dev packages, found through pkg-config.
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .systemLibrary(
            name: "CLibpq",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),

        // Pure Codable Kubernetes object types and a JSON value; no I/O.
        .target(name: "KubeTypes", swiftSettings: strictSettings),

        // The Kubernetes API client over libcurl.
        .target(
            name: "KubeAPI",
            dependencies: [
                "CCurl", "KubeTypes",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strictSettings
        ),

        // The PostgresCluster API, defaults, validation, CRD and the pure builders.
        .target(
            name: "ClusterModel",
            dependencies: ["KubeTypes"],
            resources: [
                .embedInCode("PodScripts/bootstrap-replica.sh"),
                .embedInCode("PodScripts/init-primary.sh"),
                .embedInCode("PodScripts/backup-server.sh"),
                .embedInCode("PodScripts/backup-job.sh"),
            ],
            swiftSettings: strictSettings
        ),

        // libpq connections, instance probes (reported as ClusterModel values), and the SQL actions a plan names.
        .target(
            name: "PostgresHealth",
            dependencies: [
                "CLibpq", "ClusterModel",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),

        // A cluster's certificate authority and server certificates (swift-certificates).
        .target(
            name: "ClusterCertificates",
            dependencies: [
                "ClusterModel",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: strictSettings
        ),

        // The controller: caches, work queue, reconcile, leader election, endpoints.
        .target(
            name: "Operator",
            dependencies: [
                "KubeAPI", "KubeTypes", "ClusterModel", "PostgresHealth", "ClusterCertificates",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),

        // The command line (`run`, `render`, `crd`, `version`) as a library, so tests drive it.
        .target(
            name: "OrdinalCLI",
            dependencies: [
                "ClusterModel", "KubeTypes", "KubeAPI", "Operator",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "ordinal",
            dependencies: ["OrdinalCLI"],
            swiftSettings: strictSettings
        ),

        // Test support: an in-process fake of the Kubernetes API server.
        .target(
            name: "KubeTestServer",
            dependencies: [
                "KubeTypes",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strictSettings
        ),
        // `swift run -c release kube-bench`: KubeAPI throughput and memory against the test server.
        .executableTarget(
            name: "kube-bench",
            dependencies: ["KubeAPI", "KubeTypes", "KubeTestServer"],
            path: "Benchmarks/KubeAPIBenchmark",
            swiftSettings: strictSettings
        ),
        // `swift run -c release operator-bench [clusters]`: the controller managing many clusters;
        // `operator-bench --leader-change [clusters] [rounds]`: a standby with warm caches taking over.
        .executableTarget(
            name: "operator-bench",
            dependencies: [
                "Operator", "KubeAPI", "KubeTypes", "ClusterModel", "KubeTestServer",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Benchmarks/OperatorBenchmark",
            swiftSettings: strictSettings
        ),
        // Test support: one operator process (client, caches, controller) against the API test server.
        .target(
            name: "OperatorTestSupport",
            dependencies: [
                "Operator", "KubeAPI", "KubeTypes", "KubeTestServer", "PostgresHealth",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // Test support: real PostgreSQL servers on loopback, run as a non-root user.
        .target(
            name: "PostgresTestSupport",
            dependencies: ["ClusterModel", "ClusterCertificates"],
            swiftSettings: strictSettings
        ),
        // `swift run -c release probe-bench [instances] [rounds] [servers]`: probe cost with and without connection reuse.
        .executableTarget(
            name: "probe-bench",
            dependencies: ["PostgresHealth", "PostgresTestSupport"],
            path: "Benchmarks/ProbeBenchmark",
            swiftSettings: strictSettings
        ),
        // `swift run -c release failover-bench [repetitions] [kubelet seconds]`: write downtime of a failover and of the switchover home.
        .executableTarget(
            name: "failover-bench",
            dependencies: ["Operator", "OperatorTestSupport", "KubeTestServer", "KubeTypes", "ClusterModel", "PostgresHealth", "PostgresTestSupport"],
            path: "Benchmarks/FailoverBenchmark",
            swiftSettings: strictSettings
        ),
        // `swift run -c release upgrade-bench [repetitions] [dirty MiB]`: the primary's write downtime in its upgrade step, with and without CHECKPOINT first.
        .executableTarget(
            name: "upgrade-bench",
            dependencies: ["PostgresHealth", "PostgresTestSupport"],
            path: "Benchmarks/UpgradeBenchmark",
            swiftSettings: strictSettings
        ),

        .testTarget(
            name: "ClusterModelTests",
            dependencies: [
                "ClusterModel", "KubeTypes", "KubeAPI", "KubeTestServer", "OrdinalCLI", .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // Read from the repository by path (the tests rewrite them with ORDINAL_UPDATE_GOLDEN).
            exclude: ["Golden"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ClusterCertificatesTests",
            dependencies: ["ClusterCertificates", "ClusterModel", "PostgresHealth", "PostgresTestSupport"],
            swiftSettings: strictSettings
        ),
        // The planner's invariants over random histories of a simulated cluster.
        .testTarget(
            name: "PlannerPropertyTests",
            dependencies: [
                "ClusterModel", "KubeTypes",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "KubeAPITests",
            dependencies: ["KubeAPI", "KubeTypes", "KubeTestServer"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "PostgresHealthTests",
            dependencies: ["PostgresHealth", "PostgresTestSupport", "ClusterModel"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "OperatorTests",
            dependencies: [
                "Operator", "KubeTestServer", "PostgresTestSupport", "OperatorTestSupport", "ClusterCertificates",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "UpgradeTests",
            dependencies: [
                "Operator", "KubeTestServer", "PostgresTestSupport", "OperatorTestSupport", "ClusterModel", "KubeAPI", "KubeTypes",
                "PostgresHealth",
            ],
            swiftSettings: strictSettings
        ),
    ]
)
