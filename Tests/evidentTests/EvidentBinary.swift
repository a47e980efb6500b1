import Foundation

/// Runs the built `evident` executable, which SwiftPM places next to the test bundle.
enum EvidentBinary {
    static let url: URL = {
        let candidates = [
            Bundle.main.executableURL?.deletingLastPathComponent(),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            Bundle.main.bundleURL.deletingLastPathComponent(),
        ]
        for directory in candidates.compactMap({ $0 }) {
            let url = directory.appendingPathComponent("evident")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        fatalError("The evident executable was not found next to the tests; build it with `swift build`.")
    }()

    /// Runs `evident` with `arguments` to completion; returns the exit code, standard output and error.
    static func run(_ arguments: [String], input: String? = nil, in directory: String? = nil)
        throws -> (status: Int32, output: String, error: String)
    {
        let process = Process()
        process.executableURL = url
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let output = Pipe()
        let error = Pipe()
        let stdin = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: outputData, as: UTF8.self),
            String(decoding: errorData, as: UTF8.self)
        )
    }
}
