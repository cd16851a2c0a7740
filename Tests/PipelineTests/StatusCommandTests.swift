import Foundation
import Testing
@testable import Pipeline

/// `medvmad status` exit codes, on the real binary.
@Suite struct StatusCommandTests {
    static var binary: String {
        let folder = URL(fileURLWithPath: PipelineKillTests.harness).deletingLastPathComponent()
        return folder.appendingPathComponent("medvmad").path
    }

    func status(_ output: String) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["status", output]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    @Test func exitCodesFollowTheJobStates() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary), "build medvmad first: swift build --build-tests")
        let root = try PipelineTestSupport.temporaryFolder("status")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try JobStore(outputFolder: root)
        func candidate(_ key: String) -> SeriesCandidate { SeriesCandidate(key: key, kind: .nifti, files: [], outputName: key) }
        let plan = try store.reconcile([
            .init(candidate: candidate("a"), outcome: .selected(rule: "r"), fingerprint: "f"),
            .init(candidate: candidate("b"), outcome: .selected(rule: "r"), fingerprint: "f"),
            .init(candidate: candidate("c"), outcome: .notSelected(reasons: ["r: no"]), fingerprint: "f"),
        ], modelHash: "m", now: Date())
        let ids = plan.toRun.compactMap(\.id)
        #expect(try status(root).0 == 4)  // pending
        try store.markRunning(ids[0], now: Date())
        try store.markDone(ids[0], outputs: ["a/x"], now: Date(), duration: 1)
        try store.markRunning(ids[1], now: Date())
        try store.markFailed(ids[1], error: "broken header", final: true, now: Date(), duration: 1)
        let (code, text) = try status(root)
        #expect(code == 3)
        #expect(text.contains("failed") && text.contains("broken header"))
        try store.markRunning(ids[1], now: Date())
        try store.markDone(ids[1], outputs: ["b/x"], now: Date(), duration: 1)
        // Done plus a series no rule selected counts as complete.
        #expect(try status(root).0 == 0)
    }
}
