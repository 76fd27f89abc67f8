// swift-tools-version:6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "thinkedit",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "thinkedit", targets: ["thinkedit"]),
        .executable(name: "thinkedit-fake-server", targets: ["thinkedit-fake-server"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        // Domain values and the pure curation rules. No I/O.
        .target(
            name: "ThinkEditCore",
            dependencies: ["CBase64", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        // Base64's wide middle: whole blocks with AVX2 when the CPU has it (Base64.swift does the rest).
        .target(name: "CBase64"),
        // The run database (open, lock, schema, transactions) and the content-addressed image store.
        // The queries live with the stage that runs them, in ThinkEditPipeline.
        .target(
            name: "ThinkEditStore",
            dependencies: [
                "ThinkEditCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: strict
        ),
        // Decoded images and their codecs (libpng, libjpeg), resizing, data URLs.
        .target(
            name: "ThinkEditImaging",
            dependencies: ["ThinkEditCore", "CJPEGShim", "CPNG", "CJPEG"],
            swiftSettings: strict
        ),
        // The system codec libraries, found through pkg-config.
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CJPEG", pkgConfig: "libjpeg", providers: [.apt(["libjpeg-dev"])]),
        // The C that owns libjpeg's and libpng's setjmp/longjmp error paths.
        .target(name: "CJPEGShim", dependencies: ["CPNG", "CJPEG"], linkerSettings: [.linkedLibrary("z")]),
        // The Thinker / Editor / Scorer protocols and their drivers.
        .target(
            name: "ThinkEditBackends",
            dependencies: ["ThinkEditCore", "ThinkEditImaging", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                           .product(name: "NIOCore", package: "swift-nio")],
            // The default prompts, compiled into the binary (one copy; `thinkedit prompts export` writes them out).
            resources: BuiltInPromptFiles.names.map { .embedInCode("Prompts/Defaults/\($0)") },
            swiftSettings: strict
        ),
        // The built-in synthetic world: scenes, editor, expert, judge, pool synthesizer (SPEC §5).
        .target(
            name: "ThinkEditSynthetic",
            dependencies: ["ThinkEditCore", "ThinkEditImaging", "ThinkEditBackends", "ThinkEditStore"],
            swiftSettings: strict
        ),
        // The pipeline itself: one folder per stage (its command-facing code, queries and row types),
        // the runner, the model-call machinery generate and score share, config.
        .target(
            name: "ThinkEditPipeline",
            dependencies: ["ThinkEditCore", "ThinkEditStore", "ThinkEditImaging", "ThinkEditBackends", "ThinkEditSynthetic", "Yams",
                           .product(name: "GRDB", package: "GRDB.swift")],
            // The Python files the export's run kits ship (one copy each, compiled in).
            resources: [.embedInCode("Export/Kit/thinkedit_reward.py"), .embedInCode("Export/Kit/to_parquet.py")],
            swiftSettings: strict
        ),
        // Every HTML page, the static report's and serve's: the HTML type that escapes by default, the
        // page shells and style sheets, and the pages, drawn from the pipeline's queries.
        .target(
            name: "ThinkEditPages",
            dependencies: ["ThinkEditCore", "ThinkEditStore", "ThinkEditImaging", "ThinkEditPipeline"],
            swiftSettings: strict
        ),
        // `thinkedit serve`'s HTTP side: the site (a page per URL, its caches) and the Hummingbird
        // routes onto it. Its own module so that the pipeline stays free of the web server (docs/architecture.md).
        .target(
            name: "ThinkEditServe",
            dependencies: ["ThinkEditPages", "ThinkEditPipeline", .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        // The benchmarks behind `thinkedit bench`: measuring code, kept out of the production modules.
        .target(
            name: "ThinkEditBenchmarks",
            dependencies: ["ThinkEditCore", "ThinkEditStore", "ThinkEditImaging", "ThinkEditBackends", "ThinkEditSynthetic", "ThinkEditPipeline",
                           .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict
        ),
        // The command line: one small file per subcommand.
        .executableTarget(
            name: "thinkedit",
            dependencies: [
                "ThinkEditPipeline",
                "ThinkEditPages",
                "ThinkEditSynthetic",
                "ThinkEditBenchmarks",
                "ThinkEditServe",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        // A fake of the expert, judge and editor servers for benchmarks and fault runs (127.0.0.1 only).
        .executableTarget(
            name: "thinkedit-fake-server",
            dependencies: ["ThinkEditBackends", "ThinkEditCore", "ThinkEditImaging", "ThinkEditFakeBatches",
                           .product(name: "Hummingbird", package: "hummingbird")],
            swiftSettings: strict
        ),
        // What tests share: a clock they move by hand.
        .target(name: "ThinkEditTestSupport", dependencies: ["ThinkEditCore"], swiftSettings: strict),
        // OpenAI's Files and Batches API in memory: served by thinkedit-fake-server and driven by the batch tests.
        .target(name: "ThinkEditFakeBatches", dependencies: ["ThinkEditCore"], swiftSettings: strict),
        .testTarget(name: "ThinkEditCoreTests", dependencies: ["ThinkEditCore"], swiftSettings: strict),
        .testTarget(name: "ThinkEditStoreTests", dependencies: ["ThinkEditStore", "ThinkEditPipeline", .product(name: "GRDB", package: "GRDB.swift")],
                    swiftSettings: strict),
        .testTarget(name: "ThinkEditPipelineTests", dependencies: ["ThinkEditPipeline", "ThinkEditPages", "ThinkEditSynthetic", "ThinkEditTestSupport",
                                                             .product(name: "GRDB", package: "GRDB.swift")], swiftSettings: strict),
        .testTarget(name: "ThinkEditSyntheticTests", dependencies: ["ThinkEditSynthetic"], swiftSettings: strict),
        .testTarget(
            name: "ThinkEditBackendsTests",
            dependencies: ["ThinkEditBackends", "ThinkEditPipeline", "ThinkEditImaging", "ThinkEditStore", "ThinkEditTestSupport", "ThinkEditFakeBatches",
                           .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "Logging", package: "swift-log"), .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ThinkEditServeTests",
            dependencies: ["ThinkEditServe", "ThinkEditPages", "ThinkEditPipeline", "ThinkEditStore", "ThinkEditCore", "ThinkEditImaging", "ThinkEditTestSupport",
                           .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "HummingbirdTesting", package: "hummingbird")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ThinkEditImagingTests",
            dependencies: ["ThinkEditImaging", "CJPEGShim"],
            exclude: ["Fixtures"],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)

/// The files of Sources/ThinkEditBackends/Prompts/Defaults/.
enum BuiltInPromptFiles {
    static let names = [
        "expert_system.txt", "expert_refine.txt", "expert_rewrite.txt",
        "judge_system.txt", "judge_semantic.txt", "judge_quality.txt",
        "thinker_user.txt",
    ]
}
