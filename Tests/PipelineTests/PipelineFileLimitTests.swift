import Foundation
import Testing
@testable import Pipeline

/// A pipeline file is read whole before parsing, so its size and kind are checked first.
@Suite final class PipelineFileLimitTests {
    let folder: String

    init() throws {
        folder = try PipelineTestSupport.temporaryFolder("file-limits")
    }

    deinit {
        try? FileManager.default.removeItem(atPath: folder)
    }

    @Test func oversizedFileIsRefusedNamingTheFile() throws {
        let path = folder + "/big.yaml"
        // Valid YAML (one comment line repeated) just over the limit: only the size can refuse it.
        let line = "# " + String(repeating: "x", count: 1021) + "\n"
        let text = String(repeating: line, count: PipelineLoader.maxFileBytes / line.utf8.count + 1)
        #expect(text.utf8.count > PipelineLoader.maxFileBytes)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let result = PipelineLoader.load(path: path)
        #expect(result.spec == nil)
        let error = try #require(result.errors.first)
        #expect(error.message.contains("\(text.utf8.count) bytes"), "\(error)")
        #expect(error.description.contains(path), "\(error)")
    }

    @Test func deviceIsRefusedInsteadOfReadForever() {
        let result = PipelineLoader.load(path: "/dev/zero")
        let error = result.errors.first
        #expect(error?.message.contains("not a regular file") == true, "\(result.diagnostics)")
        #expect(error?.description.contains("/dev/zero") == true)
    }

    @Test func linkToAPipelineFileIsReadThroughTheLink() throws {
        let target = folder + "/real.yaml"
        try "version: 1\n".write(toFile: target, atomically: true, encoding: .utf8)
        let link = folder + "/link.yaml"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        let result = PipelineLoader.load(path: link)
        // The file is parsed (and found incomplete), not refused for being a link.
        #expect(!result.errors.isEmpty)
        #expect(result.errors.allSatisfy { !$0.message.contains("regular file") }, "\(result.diagnostics)")
        #expect(result.errors.contains { $0.message.contains("missing required section") }, "\(result.diagnostics)")
    }
}
